#!/usr/bin/env bash
# 3-master Redis Cluster for tests on 127.0.0.1:7101,7102,7103 (no replicas, no persistence;
# cluster bus on 7201-7203).
# Usage: scripts/services/redis-cluster.sh {install|start|stop|status}
# State: .services/redis-cluster.pid (one pid per line), .services/redis-cluster.log (all nodes
# and the create step), .services/redis-cluster/<port>/ (node dirs with nodes-<port>.conf).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/.services"
NAME=redis-cluster
HOST=127.0.0.1
PORTS=(7101 7102 7103)
# Cluster bus ports 7201-7203, set explicitly instead of Redis's default port+10000 (17101-17103),
# which other suites on this machine use as data ports.
BUS_PORT_OFFSET=100
PIDFILE="$STATE/$NAME.pid"
LOG="$STATE/$NAME.log"
CLUSTER_DIR="$STATE/redis-cluster"
READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-30}"

# Recorded pids that are still alive redis-server processes (one per line).
live_pids() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid
  while read -r pid; do
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    kill -0 "$pid" 2>/dev/null || continue
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis-server || continue
    echo "$pid"
  done <"$PIDFILE"
}

pings() { [[ "$(redis-cli -h "$HOST" -p "$1" ping 2>/dev/null)" == PONG ]]; }

node_ok() {
  redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok'
}

all_ok() {
  local p
  for p in "${PORTS[@]}"; do node_ok "$p" || return 1; done
}

install() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    echo "$NAME: redis-server already installed ($(redis-server --version | awk '{print $3}'))"
    return 0
  fi
  echo "$NAME: installing redis-server redis-tools with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y redis-server redis-tools
}

stop_pids() {
  local pid i alive
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 100; i++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "$NAME: pid $pid did not exit after SIGTERM, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  sleep 0.5
}

fail() {
  echo "$NAME: $1; last lines of $LOG:" >&2
  tail -n "+${LOG_START:-1}" "$LOG" | tail -n 60 >&2 || true
  local pids
  mapfile -t pids < <(live_pids)
  ((${#pids[@]} == 0)) || stop_pids "${pids[@]}"
  rm -f "$PIDFILE"
  exit 1
}

start() {
  command -v redis-server >/dev/null || { echo "$NAME: redis-server not installed; run '$0 install'" >&2; exit 1; }
  mkdir -p "$STATE"
  local pids p
  mapfile -t pids < <(live_pids)
  if ((${#pids[@]} == ${#PORTS[@]})) && all_ok; then
    echo "$NAME: already running (pids ${pids[*]}) on ${PORTS[*]}, cluster_state:ok"
    return 0
  fi
  if ((${#pids[@]} > 0)); then
    echo "$NAME: recorded nodes (pids ${pids[*]}) are not a healthy cluster; restarting"
    stop_pids "${pids[@]}"
  fi
  rm -f "$PIDFILE"
  for p in "${PORTS[@]}"; do
    if pings "$p"; then
      echo "$NAME: something not started by this script already answers on $HOST:$p; refusing to start" >&2
      exit 1
    fi
  done
  # Fresh cluster every time it is not already running: old nodes-*.conf would make the nodes
  # remember a cluster that no longer exists.
  rm -rf "$CLUSTER_DIR"
  LOG_START=$(($(wc -l 2>/dev/null <"$LOG" || echo 0) + 1))
  echo "=== $(date -u +%FT%TZ) starting redis cluster nodes on ${PORTS[*]}" >>"$LOG"
  for p in "${PORTS[@]}"; do
    mkdir -p "$CLUSTER_DIR/$p"
    # shellcheck disable=SC2016 # $$ and "$@" are for the inner shell
    setsid bash -c 'echo $$ >>"$0"; exec "$@"' "$PIDFILE" \
      redis-server --bind "$HOST" --port "$p" --save '' --appendonly no --daemonize no \
      --protected-mode no --dir "$CLUSTER_DIR/$p" \
      --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 5000 \
      --cluster-port "$((p + BUS_PORT_OFFSET))" \
      </dev/null >>"$LOG" 2>&1 &
  done
  local up=0 deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    up=0
    for p in "${PORTS[@]}"; do pings "$p" && up=$((up + 1)); done
    ((up == ${#PORTS[@]})) && break
    if (($(wc -l 2>/dev/null <"$PIDFILE" || echo 0) == ${#PORTS[@]})) &&
      (($(live_pids | wc -l) < ${#PORTS[@]})); then
      fail "a node exited before it was ready"
    fi
    sleep 0.1
  done
  ((up == ${#PORTS[@]})) || fail "nodes not answering PING after ${READY_TIMEOUT}s"
  local addrs=()
  for p in "${PORTS[@]}"; do addrs+=("$HOST:$p"); done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >>"$LOG" 2>&1 ||
    fail "redis-cli --cluster create failed"
  deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    if all_ok; then
      mapfile -t pids < <(live_pids)
      echo "$NAME: started (pids ${pids[*]}) on ${PORTS[*]}, cluster_state:ok"
      return 0
    fi
    sleep 0.1
  done
  fail "cluster_state not ok after ${READY_TIMEOUT}s"
}

stop() {
  local pids
  mapfile -t pids < <(live_pids)
  if ((${#pids[@]} > 0)); then
    stop_pids "${pids[@]}"
    echo "$NAME: stopped (pids ${pids[*]})"
  else
    echo "$NAME: not running"
  fi
  rm -f "$PIDFILE"
}

status() {
  local pids
  mapfile -t pids < <(live_pids)
  if ((${#pids[@]} == 0)); then
    echo "$NAME: not running"
    return 3
  fi
  if ((${#pids[@]} == ${#PORTS[@]})) && all_ok; then
    echo "$NAME: running (pids ${pids[*]}) on ${PORTS[*]}, cluster_state:ok"
    return 0
  fi
  echo "$NAME: ${#pids[@]}/${#PORTS[@]} nodes alive (pids ${pids[*]}), cluster not ok"
  return 1
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
