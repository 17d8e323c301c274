#!/usr/bin/env bash
# Standalone Redis for tests on 127.0.0.1:6390 (no persistence).
# Usage: scripts/services/redis.sh {install|start|stop|status}
# State: .services/redis.pid, .services/redis.log, .services/redis/ (working dir)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/.services"
NAME=redis
HOST=127.0.0.1
PORT=6390
PIDFILE="$STATE/$NAME.pid"
LOG="$STATE/$NAME.log"
WORKDIR="$STATE/redis"
READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-20}"

# The recorded pid, if that process is still alive and is a redis-server.
live_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(head -n1 "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis-server || return 1
  echo "$pid"
}

answering() {
  [[ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" == PONG ]]
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
  # Debian's package starts a system redis on 6379 where an init system runs; that one is not ours
  # and does not collide with our port.
}

stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "$NAME: pid $pid did not exit after SIGTERM, sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

start() {
  command -v redis-server >/dev/null || { echo "$NAME: redis-server not installed; run '$0 install'" >&2; exit 1; }
  mkdir -p "$STATE" "$WORKDIR"
  local pid
  if pid="$(live_pid)"; then
    if answering; then
      echo "$NAME: already running (pid $pid) on $HOST:$PORT"
      return 0
    fi
    echo "$NAME: recorded pid $pid is alive but not answering; restarting it"
    stop_pid "$pid"
  fi
  rm -f "$PIDFILE"
  if answering; then
    echo "$NAME: something not started by this script already answers on $HOST:$PORT; refusing to start" >&2
    exit 1
  fi
  local log_start
  log_start=$(( $(wc -l 2>/dev/null <"$LOG" || echo 0) + 1 ))
  echo "=== $(date -u +%FT%TZ) starting redis-server on $HOST:$PORT" >>"$LOG"
  # setsid: own session, so the server outlives this shell; the inner shell records its pid, then execs.
  # shellcheck disable=SC2016 # $$ and "$@" are for the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    redis-server --bind "$HOST" --port "$PORT" --save '' --appendonly no --daemonize no \
    --dir "$WORKDIR" --protected-mode no \
    </dev/null >>"$LOG" 2>&1 &
  local why="not ready after ${READY_TIMEOUT}s" deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    if [[ -s "$PIDFILE" ]] && answering; then
      echo "$NAME: started (pid $(head -n1 "$PIDFILE")) on $HOST:$PORT"
      return 0
    fi
    if [[ -s "$PIDFILE" ]] && ! kill -0 "$(head -n1 "$PIDFILE")" 2>/dev/null; then
      why="exited before it was ready"
      break
    fi
    sleep 0.1
  done
  echo "$NAME: $why; last lines of $LOG:" >&2
  tail -n "+$log_start" "$LOG" | tail -n 40 >&2 || true
  if pid="$(live_pid)"; then stop_pid "$pid"; fi
  rm -f "$PIDFILE"
  exit 1
}

stop() {
  local pid
  if pid="$(live_pid)"; then
    stop_pid "$pid"
    echo "$NAME: stopped (pid $pid)"
  else
    echo "$NAME: not running"
  fi
  rm -f "$PIDFILE"
}

status() {
  local pid
  if pid="$(live_pid)"; then
    if answering; then
      echo "$NAME: running (pid $pid) on $HOST:$PORT, answering PING"
      return 0
    fi
    echo "$NAME: pid $pid alive but not answering on $HOST:$PORT"
    return 1
  fi
  echo "$NAME: not running"
  return 3
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
