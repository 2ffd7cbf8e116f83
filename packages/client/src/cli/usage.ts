const COMMON = `Every command takes:
  --url URL   broker base URL (else QA_BROKER_URL / OPENCLAW_QA_CONVEX_SITE_URL)
  --json      machine-readable output; errors as JSON on stdout
  --help      this text`;

const ENV = `Environment: QA_BROKER_URL, QA_BROKER_TOKEN (or QA_BROKER_SECRET_CI /
QA_BROKER_SECRET_MAINTAINER by role), QA_BROKER_ROLE, QA_BROKER_ALLOW_INSECURE_HTTP,
QA_BROKER_ENDPOINT_PREFIX, QA_BROKER_*_MS timeouts, QA_BROKER_OWNER_ID,
QA_BROKER_PAYLOAD_MAX_BYTES (OpenClaw names are read as fallbacks).`;

const EXIT_CODES = `Exit codes: 0 ok (run: the command's own code), 1 error, 2 usage error,
3 lease lost while the command ran, 4 pool still exhausted after the wait.`;

export const USAGE = {
  main: `Usage: qa-broker <command> [options]

Commands:
  credentials add      add a credential (maintainer)
  credentials list     list credentials (maintainer)
  credentials remove   disable a credential (maintainer)
  credentials restore  clear a quarantine / re-enable a credential (maintainer)
  credentials quarantine  keep a credential from being leased (maintainer)
  credentials update   replace a credential's payload and/or note (maintainer)
  credentials doctor   check configuration, reachability and auth
  run                  run a command while holding a leased credential
  queue                show who waits for which kind (maintainer)
  policy get           show per-kind policies (maintainer)
  policy set           change a kind's policy (maintainer)

${COMMON}

${ENV}

${EXIT_CODES}`,
  credentials: `Usage: qa-broker credentials <add|list|remove|restore|quarantine|update|doctor> [options]

${COMMON}`,
  add: `Usage: qa-broker credentials add --kind K --payload-file F [--note T] [--status active|disabled] [--actor-id ID]

Adds a credential whose payload is the JSON object in F (refused before any request when
it is over the payload ceiling).

${COMMON}`,
  list: `Usage: qa-broker credentials list [--kind K] [--status active|disabled|all] [--limit N] [--show-secrets]

Prints credentialId, fingerprint, kind, status, leased, quarantined (yes(ROLE:WHO) while
quarantined: never leased until restored), broken (consecutive broken reports), note and
the quarantine reason (long text is cut in the table; --json has it whole). Payloads only
with --show-secrets.

${COMMON}`,
  remove: `Usage: qa-broker credentials remove --credential-id ID [--actor-id ID]

Disables the credential (nothing is deleted). Refused while it is leased.

${COMMON}`,
  restore: `Usage: qa-broker credentials restore --credential-id ID [--actor-id ID]

Puts the credential back into the pool: clears its quarantine, resets its broken-report
count and re-enables it if it was disabled. The next waiter for its kind gets it.

${COMMON}`,
  quarantine: `Usage: qa-broker credentials quarantine --credential-id ID [--reason T] [--actor-id ID]

Keeps the credential from being leased until "credentials restore" (a current holder
keeps its lease). The reason (at most 1000 characters) shows in "credentials list".

${COMMON}`,
  update: `Usage: qa-broker credentials update --credential-id ID [--payload-file F] [--note T] [--actor-id ID]

Replaces the payload with the JSON object in F (checked against the credential's kind),
and/or the note (--note "" clears it); at least one of them. A current holder keeps the
payload it was granted; the next lease gets the new one.

${COMMON}`,
  doctor: `Usage: qa-broker credentials doctor

Checks the URL and token settings, that the broker answers, and that the token is
accepted for the role (and for admin routes when the role is maintainer). Prints what
is wrong and how to fix it; exits 1 when something is.

${COMMON}

${ENV}`,
  run: `Usage: qa-broker run --kind K [--payload-env NAME | --payload-file PATH]
                     [--wait-timeout D] [--lease-ttl D] [--heartbeat-interval D]
                     [--priority N | --no-queue] [--broken-exit-code N] -- CMD [ARGS…]

Leases a credential of kind K, runs CMD with it while heartbeating, and releases it
whatever happens. While the pool is exhausted it waits in the broker's fair queue (first
come, first served; --priority N from -100 to 100, above 0 for the maintainer role only),
printing its position on stderr at most once a second; --no-queue polls instead, as an
old broker makes it do anyway. Durations D: 250ms, 90s, 5m, 1h, or a plain number of
milliseconds (--wait-timeout defaults to 90s).

CMD gets QA_CREDENTIAL_ID, QA_CREDENTIAL_FENCING_TOKEN and the payload JSON in
QA_CREDENTIAL_PAYLOAD (or the variable --payload-env names); with --payload-file PATH the
payload is written to PATH (created 0600, must not exist, deleted afterwards) and PATH
goes in QA_CREDENTIAL_PAYLOAD_FILE. The broker's token is not passed on to CMD.
SIGINT/SIGTERM are forwarded to CMD. If the lease is lost, CMD is stopped (SIGTERM, then
SIGKILL) and run exits 3.

--broken-exit-code N (1-255): CMD exiting with N reports the credential broken (the
broker quarantines it after the kind's quarantineAfterBroken reports). CMD gets an empty
file named in QA_CREDENTIAL_REPORT_FILE; the first line it writes there (at most 1000
characters) is the reason. Its output is never read for one, since it may hold secrets.
The file is deleted afterwards; run still exits N.

${COMMON}

${EXIT_CODES}`,
  queue: `Usage: qa-broker queue [--kind K] [--limit N]

Shows each kind's wait queue in serving order (maintainer): kind, position, ticket
fingerprint (never the ticket), owner, role, priority, time waited, and mode (parked: a
queued request is open; polling: an old client keeps its place by polling; reserved: a
free credential is held for that old client's next poll). --limit caps the waiters shown
per kind (default 100, max 500).

${COMMON}`,
  policy: `Usage: qa-broker policy <get|set> [options]

Per-kind policy (maintainer): how long a lease may last, how many leases a role or an
owner may hold at once, and after how many consecutive broken reports a credential is
quarantined. Applied by every broker at once, to grants made after it is set.

${COMMON}`,
  policyGet: `Usage: qa-broker policy get [--kind K]

Shows the policy of kind K, or of every kind that has one: kind, maxHold, the per-role
and per-owner lease quotas, quarantineAfter (broken reports), and when it was last set;
"-" is no limit.

${COMMON}`,
  policySet: `Usage: qa-broker policy set --kind K [--max-hold D] [--max-leases-per-role ROLE=N[,ROLE=N]]
                         [--max-leases-per-owner N] [--quarantine-after-broken N] [--actor-id ID]

Changes only the fields given; "none" (or "null") clears one.
  --max-hold D                 no lease lasts longer than D from its grant (at least 30s;
                               250ms, 90s, 5m, 1h or plain milliseconds)
  --max-leases-per-role R=N    leases of the kind one role may hold at once (0: none);
                               roles ci and maintainer, e.g. ci=2 or ci=2,maintainer=none
  --max-leases-per-owner N     leases of the kind one owner may hold at once (at least 1)
  --quarantine-after-broken N  consecutive broken reports that quarantine a credential
                               (at least 1; default 1)
Example: qa-broker policy set --kind telegram --max-hold 1h --max-leases-per-role ci=2

${COMMON}`,
} as const;
