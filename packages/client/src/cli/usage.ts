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
  credentials doctor   check configuration, reachability and auth
  run                  run a command while holding a leased credential
  queue                show who waits for which kind (maintainer)

${COMMON}

${ENV}

${EXIT_CODES}`,
  credentials: `Usage: qa-broker credentials <add|list|remove|doctor> [options]

${COMMON}`,
  add: `Usage: qa-broker credentials add --kind K --payload-file F [--note T] [--status active|disabled] [--actor-id ID]

Adds a credential whose payload is the JSON object in F (refused before any request when
it is over the payload ceiling).

${COMMON}`,
  list: `Usage: qa-broker credentials list [--kind K] [--status active|disabled|all] [--limit N] [--show-secrets]

Prints credentialId, fingerprint, kind, status, leased, note. Payloads only with --show-secrets.

${COMMON}`,
  remove: `Usage: qa-broker credentials remove --credential-id ID [--actor-id ID]

Disables the credential (nothing is deleted). Refused while it is leased.

${COMMON}`,
  doctor: `Usage: qa-broker credentials doctor

Checks the URL and token settings, that the broker answers, and that the token is
accepted for the role (and for admin routes when the role is maintainer). Prints what
is wrong and how to fix it; exits 1 when something is.

${COMMON}

${ENV}`,
  run: `Usage: qa-broker run --kind K [--payload-env NAME | --payload-file PATH]
                     [--wait-timeout D] [--lease-ttl D] [--heartbeat-interval D]
                     [--priority N | --no-queue] -- CMD [ARGS…]

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

${COMMON}

${EXIT_CODES}`,
  queue: `Usage: qa-broker queue [--kind K] [--limit N]

Shows each kind's wait queue in serving order (maintainer): kind, position, ticket
fingerprint (never the ticket), owner, role, priority, time waited, and mode (parked: a
queued request is open; polling: an old client keeps its place by polling; reserved: a
free credential is held for that old client's next poll). --limit caps the waiters shown
per kind (default 100, max 500).

${COMMON}`,
} as const;
