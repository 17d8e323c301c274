#!/usr/bin/env bash
# One-node etcd for tests: clients on 127.0.0.1:23790, peers on 127.0.0.1:23800.
# Usage: scripts/services/etcd.sh {install|start|stop|status|env}
# State: .services/etcd.pid, .services/etcd.log, .services/etcd/data (emptied on every start).
# Debian's etcd-server package may start a system etcd on 2379/2380 where an init system runs;
# that one is not ours, is never stopped here, and does not collide with these ports.
# The plumbing is in lib.sh; this file states what is etcd's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_NAME=etcd
SVC_PORTS=(23790 23800)
SVC_PROGRAM=etcd
SVC_ENV="KV_ETCD_URL=http://127.0.0.1:23790"
SVC_COMMANDS=(etcd)
SVC_APT_PACKAGES=(etcd-server)
DATA_DIR="$STATE/etcd/data"
CLIENT_URL="http://$SVC_HOST:${SVC_PORTS[0]}"
PEER_URL="http://$SVC_HOST:${SVC_PORTS[1]}"

svc_ready() { [[ "$(curl -sf --max-time 2 "$CLIENT_URL/health" 2>/dev/null)" == *'"health":"true"'* ]]; }
svc_state() { echo "healthy ($CLIENT_URL/health)"; }

svc_start() {
  rm -rf "$DATA_DIR"
  mkdir -p "$(dirname "$DATA_DIR")" # etcd creates the data dir itself, private (0700)
  svc_spawn etcd --name kv-test --data-dir "$DATA_DIR" --logger zap --log-level warn \
    --listen-client-urls "$CLIENT_URL" --advertise-client-urls "$CLIENT_URL" \
    --listen-peer-urls "$PEER_URL" --initial-advertise-peer-urls "$PEER_URL" \
    --initial-cluster "kv-test=$PEER_URL" --initial-cluster-state new
}

svc_main "$@"
