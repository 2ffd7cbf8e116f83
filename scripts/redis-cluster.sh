#!/usr/bin/env bash
# A local Redis Cluster of 3 primaries and 3 replicas on 127.0.0.1:7100-7105, with AOF, for
# the tests, the bench, the fault harness and .ci/run.
#
#   scripts/redis-cluster.sh start    start it (idempotent: nothing happens when it is up)
#   scripts/redis-cluster.sh stop     stop every node and remove its state
#   scripts/redis-cluster.sh status   exit 0 when the cluster answers cluster_state:ok
#   scripts/redis-cluster.sh nodes    print the seed list (127.0.0.1:7100,…)
#   scripts/redis-cluster.sh start-node PORT   start one stopped node again on its own
#                                     files (it rejoins, as a replica if it was replaced)
#   scripts/redis-cluster.sh pid PORT  print a node's pid (the fault harness kills and
#                                     pauses nodes with it)
#
# Environment: QA_BROKER_REDIS_CLUSTER_DIR (state, default /tmp/qa-broker-redis-cluster),
# QA_BROKER_REDIS_CLUSTER_PORT (first port, default 7100).
set -euo pipefail

DIR=${QA_BROKER_REDIS_CLUSTER_DIR:-/tmp/qa-broker-redis-cluster}
FIRST_PORT=${QA_BROKER_REDIS_CLUSTER_PORT:-7100}
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=($((FIRST_PORT + i))); done

cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }

status() {
  for port in "${PORTS[@]}"; do
    cli "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
  # Every primary has its replica attached and in sync (a fresh cluster needs a moment for
  # that, and WAIT counts only replicas whose link is up).
  [ "$(cli "${PORTS[0]}" cluster nodes 2>/dev/null | grep -c 'slave.*connected')" -ge 3 ] || return 1
  for port in "${PORTS[@]}"; do
    local info
    info=$(cli "$port" info replication 2>/dev/null) || return 1
    if grep -q '^role:slave' <<<"$info"; then
      grep -q '^master_link_status:up' <<<"$info" || return 1
    fi
  done
}

start() {
  status && return 0
  command -v redis-server >/dev/null || {
    echo "installing redis-server" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  }
  stop_nodes
  rm -rf "$DIR"
  for port in "${PORTS[@]}"; do
    mkdir -p "$DIR/$port"
    start_node "$port"
  done
  for port in "${PORTS[@]}"; do
    for _ in $(seq 1 50); do cli "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  done
  local nodes=()
  for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 || {
    cat "$DIR/create.log" >&2
    exit 1
  }
  for _ in $(seq 1 100); do status && return 0; sleep 0.2; done
  echo "the Redis Cluster on 127.0.0.1:${PORTS[0]}-${PORTS[5]} did not reach cluster_state:ok" >&2
  exit 1
}

start_node() {
  local port=$1
  # cluster-node-timeout 2000: a killed primary is replaced in about 2-4 s.
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$DIR/$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --appendonly yes --appendfsync everysec --save "" \
    --pidfile "$DIR/$port/redis.pid" --logfile "$DIR/$port/redis.log" 9>&-
  # (9>&-: the daemon must not inherit the lock, or every later start/stop waits for it.)
}

stop_nodes() {
  for port in "${PORTS[@]}"; do
    local pidfile="$DIR/$port/redis.pid"
    if [ -f "$pidfile" ]; then
      local pid
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
}

nodes() {
  local list=()
  for port in "${PORTS[@]}"; do list+=("127.0.0.1:$port"); done
  (IFS=,; echo "${list[*]}")
}

case ${1:-} in
  start)
    mkdir -p "$(dirname "$DIR")"
    exec 9>"$DIR.lock"
    flock 9
    start
    ;;
  stop)
    exec 9>"$DIR.lock"
    flock 9
    stop_nodes
    rm -rf "$DIR"
    ;;
  status) status ;;
  nodes) nodes ;;
  start-node)
    [ -d "$DIR/${2:?start-node needs a port}" ] || { echo "no node on port $2 under $DIR" >&2; exit 2; }
    start_node "$2"
    for _ in $(seq 1 50); do cli "$2" ping 2>/dev/null | grep -q PONG && exit 0; sleep 0.1; done
    echo "node $2 did not answer" >&2
    exit 1
    ;;
  pid) cat "$DIR/${2:?pid needs a port}/redis.pid" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || exit 2 ;;
esac
