#!/usr/bin/env bash
# Standalone Redis for tests on 127.0.0.1:6390 (no persistence), and the same server over TLS on
# 127.0.0.1:6391 (for rediss: URLs) with a self-signed certificate for 127.0.0.1 made at start in
# .services/redis/tls/ (cert.pem is also the CA a client trusts; clients need no certificate).
# Usage: scripts/services/redis.sh {install|start|stop|status|env}
# State: .services/redis.pid, .services/redis.log, .services/redis/ (working dir)
# The plumbing is in lib.sh; this file states what is Redis's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_NAME=redis
SVC_PRODUCT=redis-server
SVC_PORTS=(6390 6391)
SVC_PROGRAM=redis-server
SVC_ENV="KV_REDIS_URL=redis://127.0.0.1:6390"
# Debian's package starts a system redis on 6379 where an init system runs; that one is not ours
# and does not collide with our port.
SVC_COMMANDS=(redis-server redis-cli openssl)
SVC_APT_PACKAGES=(redis-server redis-tools openssl)
WORKDIR="$STATE/redis"

svc_ready() { [[ "$(redis-cli -h "$SVC_HOST" -p "${SVC_PORTS[0]}" ping 2>/dev/null)" == PONG ]]; }
svc_state() { echo "answering PING"; }

TLS_DIR="$WORKDIR/tls"

svc_start() {
  mkdir -p "$TLS_DIR"
  if [[ ! -f "$TLS_DIR/cert.pem" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$SVC_HOST" \
      -addext "subjectAltName=IP:$SVC_HOST" -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" \
      >/dev/null 2>&1 || svc_fail "openssl could not make a certificate in $TLS_DIR"
  fi
  svc_spawn redis-server --bind "$SVC_HOST" --port "${SVC_PORTS[0]}" --save '' --appendonly no \
    --daemonize no --dir "$WORKDIR" --protected-mode no \
    --tls-port "${SVC_PORTS[1]}" --tls-cert-file "$TLS_DIR/cert.pem" \
    --tls-key-file "$TLS_DIR/key.pem" --tls-ca-cert-file "$TLS_DIR/cert.pem" --tls-auth-clients no
}

svc_main "$@"
