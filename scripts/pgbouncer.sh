#!/usr/bin/env bash
# Local PgBouncer in transaction mode in front of the PostgreSQL on 127.0.0.1:5432, for the
# tests, the bench and .ci/run. Two versions, because they behave differently:
#   1.18  Debian 12's package: no prepared statements in transaction mode   port 6432
#   1.24  built from Debian trixie's source package (max_prepared_statements) port 6433
#
#   scripts/pgbouncer.sh start [1.18|1.24]   start (idempotent; installs or builds what is missing)
#   scripts/pgbouncer.sh stop  [1.18|1.24]   stop and remove its state
#   scripts/pgbouncer.sh status [1.18|1.24]  exit 0 when it answers
#   scripts/pgbouncer.sh build               build 1.24 into the cache (no-op when cached)
#   scripts/pgbouncer.sh install             make sure both binaries exist (apt 1.18, build 1.24)
#   scripts/pgbouncer.sh roles               create the test roles on PostgreSQL (idempotent)
#
# Without a version, start/stop/status act on both. Environment:
#   QA_BROKER_PGBOUNCER_DIR    runtime state (default /tmp/qa-broker-pgbouncer)
#   QA_BROKER_PGBOUNCER_PORT   port of 1.18; 1.24 takes the next one (default 6432), so
#                              parallel checkouts can each run their own pair
#   QA_BROKER_PGBOUNCER_CACHE  where the 1.24 build is kept (default /var/cache/qa-broker)
#   QA_BROKER_PG_HOST / QA_BROKER_PG_PORT / QA_BROKER_PG_ADMIN_URL   the PostgreSQL behind it
#
# The poolers log in to PostgreSQL as the role qa_broker_pooled, whose statement_timeout is
# set on the role (ALTER ROLE … SET), because a pooler in transaction mode cannot pass it
# as a startup parameter. qa_broker_pooled_untimed has none: the tests use it to show the
# store refuses to start without a server-side timeout.
set -euo pipefail

RUN_DIR=${QA_BROKER_PGBOUNCER_DIR:-/tmp/qa-broker-pgbouncer}
CACHE_DIR=${QA_BROKER_PGBOUNCER_CACHE:-/var/cache/qa-broker}
PG_HOST=${QA_BROKER_PG_HOST:-127.0.0.1}
PG_PORT=${QA_BROKER_PG_PORT:-5432}
PG_ADMIN_URL=${QA_BROKER_PG_ADMIN_URL:-postgres://postgres@$PG_HOST:$PG_PORT/postgres}
BUILD_VERSION=1.24
ROLE_TIMEOUT=5s

FIRST_PORT=${QA_BROKER_PGBOUNCER_PORT:-6432}
port_of() { case $1 in 1.18) echo "$FIRST_PORT" ;; 1.24) echo $((FIRST_PORT + 1)) ;; *) echo "unknown PgBouncer version $1 (1.18 or 1.24)" >&2; exit 2 ;; esac; }

with_lock() { # serialize concurrent callers (parallel test projects)
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock 9
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
}

binary_of() {
  case $1 in
    1.18)
      if [ ! -x /usr/sbin/pgbouncer ]; then
        echo "installing Debian's pgbouncer (1.18)" >&2
        apt_install pgbouncer
        # The package starts a system instance on 6432; ours uses that port.
        systemctl disable --now pgbouncer >/dev/null 2>&1 || service pgbouncer stop >/dev/null 2>&1 || true
        pkill_system_pgbouncer
      fi
      echo /usr/sbin/pgbouncer
      ;;
    1.24)
      build >&2
      echo "$CACHE_DIR/pgbouncer-$BUILD_VERSION/pgbouncer"
      ;;
  esac
}

pkill_system_pgbouncer() { # only the packaged instance, by its pid file
  local pidfile=/var/run/postgresql/pgbouncer.pid
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
}

# PgBouncer ≥ 1.21 from Debian trixie's source package, built once into the cache: a private
# apt state (nothing changes in the system's sources), `apt-get source`, then configure and
# make on the original tarball.
build() {
  local out="$CACHE_DIR/pgbouncer-$BUILD_VERSION"
  [ -x "$out/pgbouncer" ] && return 0
  echo "building PgBouncer $BUILD_VERSION from Debian trixie's source package into $out" >&2
  command -v dpkg-source >/dev/null || apt_install dpkg-dev
  for pkg in libevent-dev libssl-dev pkg-config make gcc; do
    dpkg -s "$pkg" >/dev/null 2>&1 || apt_install "$pkg"
  done
  local work
  work=$(mktemp -d)
  mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/src"
  cat >"$work/apt/sources.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
EOF
  local apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache::Archives=$work/apt/archives"
    -o "Dir::State::Status=/var/lib/dpkg/status")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only -qq pgbouncer >/dev/null)
  local tarball
  tarball=$(ls "$work"/src/pgbouncer_*.orig.tar.* | head -n1)
  tar -xf "$tarball" -C "$work/src"
  local dir
  dir=$(find "$work/src" -maxdepth 1 -type d -name 'pgbouncer-*' | head -n1)
  (cd "$dir" && ./configure --without-cares --without-systemd >/dev/null && make -j2 >/dev/null)
  mkdir -p "$out"
  cp "$dir/pgbouncer" "$out/pgbouncer"
  "$out/pgbouncer" --version | head -n1 >&2
  rm -rf "$work"
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" "$@"; }

roles() {
  psql_admin <<SQL >/dev/null
do \$\$
begin
  if not exists (select from pg_roles where rolname = 'qa_broker_pooled') then
    create role qa_broker_pooled login;
  end if;
  if not exists (select from pg_roles where rolname = 'qa_broker_pooled_untimed') then
    create role qa_broker_pooled_untimed login;
  end if;
end
\$\$;
alter role qa_broker_pooled set statement_timeout = '$ROLE_TIMEOUT';
alter role qa_broker_pooled_untimed reset statement_timeout;
grant create on database postgres to qa_broker_pooled, qa_broker_pooled_untimed;
SQL
}

status() { psql -X -q "postgres://qa_broker_pooled@127.0.0.1:$(port_of "$1")/postgres" -c 'select 1' >/dev/null 2>&1; }

start() {
  local version=$1 port dir bin
  port=$(port_of "$version")
  dir="$RUN_DIR/$version"
  status "$version" && return 0
  bin=$(binary_of "$version")
  roles
  mkdir -p "$dir"
  # Debian's package runs as postgres; pgbouncer refuses to run as root without -u.
  chown -R postgres "$dir" 2>/dev/null || true
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=$PG_HOST port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
server_reset_query =
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
admin_users = postgres
EOF
  if [ "$version" != 1.18 ]; then echo 'max_prepared_statements = 200' >>"$dir/pgbouncer.ini"; fi
  printf '"qa_broker_pooled" ""\n"qa_broker_pooled_untimed" ""\n"postgres" ""\n' >"$dir/userlist.txt"
  local user_flag=()
  [ "$(id -u)" = 0 ] && user_flag=(-u postgres)
  # 9>&-: the daemon must not inherit the lock, or every later start/stop waits for it.
  "$bin" -d "${user_flag[@]}" "$dir/pgbouncer.ini" 9>&-
  for _ in $(seq 1 50); do status "$version" && return 0; sleep 0.2; done
  echo "PgBouncer $version did not come up on 127.0.0.1:$port; see $dir/pgbouncer.log" >&2
  tail -n 20 "$dir/pgbouncer.log" >&2 || true
  exit 1
}

stop() {
  local version=$1 dir
  port_of "$version" >/dev/null
  dir="$RUN_DIR/$version"
  if [ -f "$dir/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$dir/pgbouncer.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

versions=("${2:-1.18}")
[ $# -lt 2 ] && versions=(1.18 1.24)
case ${1:-} in
  start) with_lock; for v in "${versions[@]}"; do start "$v"; done ;;
  stop) with_lock; for v in "${versions[@]}"; do stop "$v"; done ;;
  status) for v in "${versions[@]}"; do status "$v"; done ;;
  build) with_lock; build ;;
  install) with_lock; binary_of 1.18 >/dev/null; build ;;
  roles) roles ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || exit 2 ;;
esac
