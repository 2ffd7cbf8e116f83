import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';

/** Says plainly why a secret was refused. */
export function signInError(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Signing in failed. Try again.';
  switch (error.code) {
    case 'AUTH_INVALID':
      return 'Wrong secret: the broker did not accept it. Check QA_BROKER_SECRET_MAINTAINER and try again.';
    case 'AUTH_ROLE_MISMATCH':
      return 'That is not the maintainer secret (it may be the CI one). The dashboard needs the maintainer secret.';
    case 'RATE_LIMITED':
      return 'Too many wrong secrets from this address: wait a minute, then try again.';
    default:
      return error.message;
  }
}

/**
 * The maintainer secret, typed into a password field. It is checked against the broker
 * (admin/stats) before the page keeps it, in sessionStorage only.
 */
export function SignIn(props: { onSignIn: (secret: string) => Promise<void>; notice?: string }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <h1>qa-broker dashboard</h1>
      {props.notice && <p class="notice">{props.notice}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!secret) {
            setError('Type the maintainer secret first.');
            return;
          }
          setBusy(true);
          setError(undefined);
          props.onSignIn(secret).catch((caught: unknown) => {
            setBusy(false);
            setError(signInError(caught));
          });
        }}
      >
        <label for="secret">Maintainer secret</label>
        <input
          id="secret"
          name="secret"
          type="password"
          autoComplete="current-password"
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
          aria-describedby={error ? 'sign-in-error' : 'secret-hint'}
          aria-invalid={error ? true : undefined}
        />
        <p id="secret-hint" class="hint">
          Kept in this tab only (sessionStorage) and sent as a bearer token.
        </p>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
