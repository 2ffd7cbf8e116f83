import { useEffect, useState } from 'preact/hooks';
import { ApiError, type BrokerApi } from '../api.js';
import { clockTime } from '../format.js';
import { useNow, usePoll } from '../poll.js';
import { VIEWS } from '../views/registry.js';

/** The signed-in page: a header, then every view of the registry, all polled live. */
export function Dashboard(props: { api: BrokerApi; onSignOut: (notice?: string) => void }) {
  const { api, onSignOut } = props;
  const now = useNow();
  const stats = usePoll(() => api.stats(), [api]);
  const credentials = usePoll(() => api.credentials(), [api]);
  const [announcement, setAnnouncement] = useState('');

  // A secret rotated away while the page is open: back to sign-in, saying why.
  const authError = [stats.error, credentials.error].find(
    (error) => error instanceof ApiError && (error.status === 401 || error.status === 403),
  );
  useEffect(() => {
    if (authError) onSignOut('The broker no longer accepts this secret. Sign in again.');
  }, [authError, onSignOut]);

  const updatedAtMs = Math.min(stats.updatedAtMs ?? 0, credentials.updatedAtMs ?? 0);
  const failing = stats.error ?? credentials.error;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <h1>qa-broker</h1>
        <nav aria-label="Sections">
          <ul>
            {VIEWS.map((view) => (
              <li key={view.id}>
                <a href={`#${view.id}`}>{view.title}</a>
              </li>
            ))}
          </ul>
        </nav>
        <p class={`freshness${failing ? ' stale' : ''}`} aria-live="off">
          {failing
            ? `Not updating: ${failing.message}`
            : updatedAtMs > 0
              ? `Updated ${clockTime(updatedAtMs)}`
              : 'Loading…'}
        </p>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <p class="announcement" role="status">
        {announcement}
      </p>
      <main id="main">
        {VIEWS.map((view) => (
          <section key={view.id} id={view.id} aria-labelledby={`${view.id}-title`}>
            <h2 id={`${view.id}-title`}>{view.title}</h2>
            <view.component
              api={api}
              stats={stats}
              credentials={credentials}
              now={now}
              announce={setAnnouncement}
            />
          </section>
        ))}
      </main>
    </>
  );
}
