#!/usr/bin/env bash
# 3-master Redis Cluster for tests on 127.0.0.1:7101,7102,7103 (no replicas, no persistence;
# cluster bus on 7201-7203).
# Usage: scripts/services/redis-cluster.sh {install|start|stop|status|env}
# State: .services/redis-cluster.pid (one pid per line), .services/redis-cluster.log (all nodes
# and the create step), .services/redis-cluster/<port>/ (node dirs with nodes-<port>.conf).
# The plumbing is in lib.sh; this file states what is the cluster's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_NAME=redis-cluster
SVC_PRODUCT=redis-server
SVC_PORTS=(7101 7102 7103)
SVC_ADDR="${SVC_PORTS[*]}"
SVC_PROCESSES=${#SVC_PORTS[@]}
SVC_PROGRAM=redis-server
SVC_ENV="KV_REDIS_CLUSTER_NODES=127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103"
SVC_READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-30}"
SVC_COMMANDS=(redis-server redis-cli)
SVC_APT_PACKAGES=(redis-server redis-tools)
# Cluster bus ports 7201-7203, set explicitly instead of Redis's default port+10000 (17101-17103),
# which other suites on this machine use as data ports.
BUS_PORT_OFFSET=100
CLUSTER_DIR="$STATE/redis-cluster"

pings() { [[ "$(redis-cli -h "$SVC_HOST" -p "$1" ping 2>/dev/null)" == PONG ]]; }

all_ping() {
  local p
  for p in "${SVC_PORTS[@]}"; do pings "$p" || return 1; done
}

# Ready: every node says cluster_state:ok.
svc_ready() {
  local p
  for p in "${SVC_PORTS[@]}"; do
    redis-cli -h "$SVC_HOST" -p "$p" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok' ||
      return 1
  done
}
svc_state() { echo "cluster_state:ok"; }

svc_start() {
  # Fresh cluster every time it is not already running: old nodes-*.conf would make the nodes
  # remember a cluster that no longer exists.
  rm -rf "$CLUSTER_DIR"
  local p addrs=()
  for p in "${SVC_PORTS[@]}"; do
    mkdir -p "$CLUSTER_DIR/$p"
    svc_spawn redis-server --bind "$SVC_HOST" --port "$p" --save '' --appendonly no --daemonize no \
      --protected-mode no --dir "$CLUSTER_DIR/$p" \
      --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 5000 \
      --cluster-port "$((p + BUS_PORT_OFFSET))"
    addrs+=("$SVC_HOST:$p")
  done
  svc_wait_for all_ping "nodes not answering PING after ${SVC_READY_TIMEOUT}s"
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >>"$SVC_LOG" 2>&1 ||
    svc_fail "redis-cli --cluster create failed"
}

svc_main "$@"
