import type { CredentialSummary } from '@qa-broker/contract';
import { useMemo, useState } from 'preact/hooks';
import { CREDENTIAL_ACTIONS, type CredentialAction } from '../actions/registry.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { LoadState } from '../components/load-state.js';
import { ScrollTable } from '../components/scroll-table.js';
import { credentialState, isLeased, type CredentialState } from '../credential-state.js';
import { ago, dateTime } from '../format.js';
import type { ViewProps } from './registry.js';

type SortKey =
  'credentialId' | 'kind' | 'state' | 'quarantine' | 'note' | 'lastLeasedAtMs' | 'updatedAtMs';

interface Column {
  key: SortKey;
  label: string;
}

const COLUMNS: readonly Column[] = [
  { key: 'credentialId', label: 'Credential' },
  { key: 'kind', label: 'Kind' },
  { key: 'state', label: 'State' },
  { key: 'quarantine', label: 'Quarantine' },
  { key: 'note', label: 'Note' },
  { key: 'lastLeasedAtMs', label: 'Last leased' },
  { key: 'updatedAtMs', label: 'Updated' },
];

type StateFilter = 'all' | CredentialState;

function sortValue(credential: CredentialSummary, key: SortKey, now: number): string | number {
  switch (key) {
    case 'state':
      return credentialState(credential, now);
    case 'quarantine':
      // Most recently quarantined first when descending; then the most broken reports.
      return (credential.quarantine?.atMs ?? 0) * 1_000 + (credential.brokenReports ?? 0);
    case 'note':
      return credential.note ?? '';
    case 'lastLeasedAtMs':
    case 'updatedAtMs':
      return credential[key];
    case 'credentialId':
    case 'kind':
      return credential[key];
  }
}

function matchesText(credential: CredentialSummary, text: string): boolean {
  if (!text) return true;
  const needle = text.toLowerCase();
  return [
    credential.credentialId,
    credential.kind,
    credential.note,
    credential.lease?.ownerId,
    credential.quarantine?.reason,
    credential.quarantine?.reportedBy,
  ]
    .filter((value): value is string => value !== undefined)
    .some((value) => value.toLowerCase().includes(needle));
}

/** Why a credential is quarantined, who reported it and when; its broken reports so far. */
function QuarantineCell({ credential, now }: { credential: CredentialSummary; now: number }) {
  const { quarantine, brokenReports } = credential;
  const reports =
    brokenReports === undefined
      ? undefined
      : `${brokenReports} broken report${brokenReports === 1 ? '' : 's'}`;
  if (!quarantine) return reports ? <span class="muted">{reports}</span> : null;
  return (
    <>
      <span class="reason">{quarantine.reason ?? 'No reason given'}</span>
      <span class="reported-by" title={dateTime(quarantine.atMs)}>
        reported by {quarantine.reportedBy} ({quarantine.actorRole}), {ago(quarantine.atMs, now)}
      </span>
      {reports && <span class="muted">; {reports}</span>}
    </>
  );
}

/**
 * Every credential (never a payload): filter by text, kind and state, sort by any column,
 * and the maintainer actions, each confirmed in a dialog first.
 */
export function CredentialsView({ api, credentials, now, announce }: ViewProps) {
  const [text, setText] = useState('');
  const [kind, setKind] = useState('');
  const [state, setState] = useState<StateFilter>('all');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'lastLeasedAtMs',
    descending: true,
  });
  const [pending, setPending] = useState<
    { action: CredentialAction; credential: CredentialSummary } | undefined
  >(undefined);

  const listing = credentials.value;
  const all = listing?.credentials ?? [];
  const kinds = useMemo(() => [...new Set(all.map((c) => c.kind))].sort(), [all]);
  const shown = all
    .filter((c) => matchesText(c, text.trim()))
    .filter((c) => !kind || c.kind === kind)
    .filter((c) => state === 'all' || credentialState(c, now) === state)
    .sort((a, b) => {
      const left = sortValue(a, sort.key, now);
      const right = sortValue(b, sort.key, now);
      const order = left < right ? -1 : left > right ? 1 : a.credentialId < b.credentialId ? -1 : 1;
      return sort.descending ? -order : order;
    });

  if (!listing) return <LoadState polled={credentials} what="credentials" />;

  const toggleSort = (key: SortKey) =>
    setSort((current) =>
      current.key === key
        ? { key, descending: !current.descending }
        : {
            key,
            descending: key === 'lastLeasedAtMs' || key === 'updatedAtMs' || key === 'quarantine',
          },
    );

  return (
    <>
      <form
        class="filters"
        role="search"
        aria-label="Filter credentials"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Filter
          <input
            type="search"
            value={text}
            placeholder="id, kind, note or holder"
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">All kinds</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setState(e.currentTarget.value as StateFilter)}>
            <option value="all">All states</option>
            <option value="free">Free</option>
            <option value="leased">Leased</option>
            <option value="quarantined">Quarantined</option>
            <option value="disabled">Disabled</option>
          </select>
        </label>
        <p class="filter-count" aria-live="polite">
          Showing {shown.length} of {all.length}
          {listing.truncated ? ' (the first 5,000 only)' : ''}
        </p>
      </form>
      <ScrollTable label="Credentials">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th
                key={column.key}
                scope="col"
                aria-sort={
                  sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : 'none'
                }
              >
                <button type="button" class="sort" onClick={() => toggleSort(column.key)}>
                  {column.label}
                  <span aria-hidden="true">
                    {sort.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                  </span>
                </button>
              </th>
            ))}
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((credential) => {
            const current = credentialState(credential, now);
            return (
              <tr key={credential.credentialId} data-credential-id={credential.credentialId}>
                <td class="mono">{credential.credentialId}</td>
                <td class="wrap">{credential.kind}</td>
                <td>
                  <span class={`state state-${current}`}>{current}</span>
                  {credential.lease && current !== 'disabled' && isLeased(credential, now) && (
                    <span class="holder">
                      {current === 'leased' ? ' by ' : ' still held by '}
                      {credential.lease.ownerId}
                    </span>
                  )}
                </td>
                <td class="wrap quarantine">
                  <QuarantineCell credential={credential} now={now} />
                </td>
                <td class="wrap note">{credential.note ?? ''}</td>
                <td
                  title={
                    credential.lastLeasedAtMs > 0 ? dateTime(credential.lastLeasedAtMs) : undefined
                  }
                >
                  {ago(credential.lastLeasedAtMs, now)}
                </td>
                <td title={dateTime(credential.updatedAtMs)}>{ago(credential.updatedAtMs, now)}</td>
                <td class="actions">
                  <div class="buttons">
                    {CREDENTIAL_ACTIONS.filter((action) => action.available(credential, now)).map(
                      (action) => (
                        <button
                          key={action.id}
                          type="button"
                          class={action.destructive ? 'danger' : ''}
                          aria-label={`${action.label} ${credential.credentialId}`}
                          onClick={() => setPending({ action, credential })}
                        >
                          {action.label}
                        </button>
                      ),
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </ScrollTable>
      {pending && (
        <ConfirmDialog
          action={pending.action}
          credential={pending.credential}
          onClose={() => setPending(undefined)}
          onConfirm={async (input) => {
            const message = await pending.action.run(api.client, pending.credential, input);
            setPending(undefined);
            announce(message);
            credentials.refresh();
          }}
        />
      )}
    </>
  );
}
