#!/usr/bin/env bash
# Standalone Redis for tests on 127.0.0.1:6390 (no persistence).
# Usage: scripts/services/redis.sh {install|start|stop|status|env}
# State: .services/redis.pid, .services/redis.log, .services/redis/ (working dir)
# The plumbing is in lib.sh; this file states what is Redis's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_NAME=redis
SVC_PRODUCT=redis-server
SVC_PORTS=(6390)
SVC_PROGRAM=redis-server
SVC_ENV="KV_REDIS_URL=redis://127.0.0.1:6390"
# Debian's package starts a system redis on 6379 where an init system runs; that one is not ours
# and does not collide with our port.
SVC_COMMANDS=(redis-server redis-cli)
SVC_APT_PACKAGES=(redis-server redis-tools)
WORKDIR="$STATE/redis"

svc_ready() { [[ "$(redis-cli -h "$SVC_HOST" -p "${SVC_PORTS[0]}" ping 2>/dev/null)" == PONG ]]; }
svc_state() { echo "answering PING"; }

svc_start() {
  mkdir -p "$WORKDIR"
  svc_spawn redis-server --bind "$SVC_HOST" --port "${SVC_PORTS[0]}" --save '' --appendonly no \
    --daemonize no --dir "$WORKDIR" --protected-mode no
}

svc_main "$@"
