#!/usr/bin/env bash
# Elasticsearch 8.x for the @kv test suites: ONE node on http://127.0.0.1:9201
# (KV_ELASTICSEARCH_PORT overrides), plain http, no auth, small heap.
#
# Usage: scripts/services/elasticsearch.sh {install|start|stop|status|env}
#
#   install  fetch Elastic's Elasticsearch distribution from Maven Central with Maven
#            (cached in ~/.m2) and unpack it under .services/elasticsearch/dist
#   start    start the node detached, wait until /_cluster/health is green or yellow (a node
#            that is alive but not healthy yet is waited for, not restarted)
#   stop     stop the node this script started (the pid in .services/elasticsearch.pid, then the
#            node JVM's pid if it outlived that launcher)
#   status   exit 0 if the node answers, 1 if our node is alive but not healthy, 3 if not running
#   env      print the KV_ELASTICSEARCH_URL line
#
# Layout (all under the repo's gitignored .services/):
#   .services/elasticsearch.pid            pid of the process started (the ES launcher JVM)
#   .services/elasticsearch.log            its stdout/stderr (node log lines included)
#   .services/elasticsearch/dist/          the unpacked distribution (ES_HOME)
#   .services/elasticsearch/{config,data,logs,tmp}/   per-repo node state
#   .services/elasticsearch/run/server.pid pid of the node JVM (a child of the launcher)
#
# Environment:
#   KV_ELASTICSEARCH_PORT           HTTP port (default 9201)
#   KV_ELASTICSEARCH_HEAP           max heap (default 512m; initial heap is 256m)
#   KV_ELASTICSEARCH_START_TIMEOUT  seconds to wait for health (default 180)
#   ES_JAVA_HOME / JAVA_HOME        JDK to use (default: the `java` on PATH; 17+ needed)
#
# Elasticsearch refuses to run as root. When this script runs as root it starts the node
# in a user namespace where it is not root (`unshare --user --map-user=<nobody's uid>`):
# on the host its files stay owned by root, so the repo may live anywhere, even under a
# mode-700 /root. If user namespaces are unavailable it falls back to running as `nobody`
# (setpriv), which needs the repo's path to be traversable by that user.
#
# The plumbing (pid files, waits, stop, the dispatcher) is in lib.sh; this file states what is
# Elasticsearch's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ES_VERSION=8.14.3 # keep in step with elasticsearch.version in elasticsearch/pom.xml
PORT="${KV_ELASTICSEARCH_PORT:-9201}"
HEAP="${KV_ELASTICSEARCH_HEAP:-512m}"

BASE="$STATE/elasticsearch"
DIST="$BASE/dist"
ES_HOME_DIR="$DIST/elasticsearch-$ES_VERSION"
CONF="$BASE/config"
DATA="$BASE/data"
LOGS="$BASE/logs"
TMP="$BASE/tmp"
RUN="$BASE/run"
SERVER_PIDFILE="$RUN/server.pid"
POM="$SVC_DIR/elasticsearch/pom.xml"
URL="http://127.0.0.1:$PORT"

SVC_NAME=elasticsearch
SVC_PRODUCT="Elasticsearch $ES_VERSION"
SVC_PORTS=("$PORT")
SVC_ADDR="$URL"
# The recorded pid is the launcher JVM; both it and the node JVM it starts (which writes
# SERVER_PIDFILE) carry ES_HOME_DIR on their command lines. The launcher stops the node on SIGTERM.
SVC_PROGRAM="$ES_HOME_DIR"
SVC_EXTRA_PIDFILES=("$SERVER_PIDFILE")
SVC_ENV="KV_ELASTICSEARCH_URL=$URL"
SVC_READY_TIMEOUT="${KV_ELASTICSEARCH_START_TIMEOUT:-180}"
SVC_POLL=1
SVC_STOP_TIMEOUT=60
SVC_ON_UNREADY="wait"
SVC_INSTALL_DIR="${ES_HOME_DIR#"$ROOT"/}"

svc_installed() {
  [[ -x "$ES_HOME_DIR/bin/elasticsearch" && -f "$ES_HOME_DIR/lib/elasticsearch-$ES_VERSION.jar" ]]
}

svc_install() {
  command -v mvn >/dev/null || die "Maven (mvn) is required: apt-get install maven"
  command -v java >/dev/null || [[ -n "${ES_JAVA_HOME:-}${JAVA_HOME:-}" ]] ||
    die "a JDK 17+ is required: apt-get install openjdk-17-jdk-headless"
  say "fetching Elasticsearch $ES_VERSION with Maven (cached in ~/.m2) and unpacking it"
  # Start from an empty dist/ so the dependency plugin's "already unpacked" markers
  # can never disagree with what is on disk.
  rm -rf "$DIST"
  mkdir -p "$DIST"
  svc_run_logged "$BASE/mvn.log" mvn -q -B -Dstyle.color=never -f "$POM" \
    dependency:unpack-dependencies -Dkv.es.dist="$DIST" -Delasticsearch.version="$ES_VERSION"
}

# Prints green/yellow/red, or nothing when the node does not answer.
health() {
  curl -fsS -m 3 "$URL/_cluster/health" 2>/dev/null |
    sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' || true
}

svc_ready() {
  local s
  s="$(health)"
  [[ "$s" == green || "$s" == yellow ]]
}
svc_state() { echo "cluster health $(health)"; }

java_home() {
  if [[ -n "${ES_JAVA_HOME:-}" ]]; then
    echo "$ES_JAVA_HOME"
  elif [[ -n "${JAVA_HOME:-}" ]]; then
    echo "$JAVA_HOME"
  else
    local java
    java="$(command -v java)" || die "no java on PATH (a JDK 17+ is required)"
    dirname "$(dirname "$(readlink -f "$java")")"
  fi
}

write_config() {
  mkdir -p "$CONF/jvm.options.d" "$DATA" "$LOGS" "$TMP" "$RUN"
  # Logging as shipped (files under path.logs, console to our log file).
  cp "$ES_HOME_DIR/config/log4j2.properties" "$CONF/log4j2.properties"
  cat >"$CONF/jvm.options" <<EOF
# written by scripts/services/elasticsearch.sh (a test node: small heap, no heap dumps)
-Xms256m
-Xmx$HEAP
-XX:+UseG1GC
-Djava.io.tmpdir=\${ES_TMPDIR}
20-:--add-modules=jdk.incubator.vector
-XX:+ExitOnOutOfMemoryError
-XX:ErrorFile=$LOGS/hs_err_pid%p.log
EOF
  cat >"$CONF/elasticsearch.yml" <<EOF
# written by scripts/services/elasticsearch.sh: one throwaway test node on loopback
cluster.name: kv-test
node.name: kv-test-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $PORT
path.data: $DATA
path.logs: $LOGS
# plain http, no auth
xpack.security.enabled: false
# tests fill the disk less than they fear: never block writes on disk watermarks
cluster.routing.allocation.disk.threshold_enabled: false
# a 512 MB heap trips the real-memory breaker on bursts of bulk requests
indices.breaker.total.use_real_memory: false
# test clean-up may delete indices by wildcard
action.destructive_requires_name: false
EOF
}

svc_start() {
  write_config
  local jh
  jh="$(java_home)"
  [[ -x "$jh/bin/java" ]] || die "no java at $jh/bin/java"

  local -a run_as=()
  if [[ "$(id -u)" == 0 ]]; then
    local nuid ngid
    nuid="$(id -u nobody)" ngid="$(id -g nobody)"
    if unshare --user --map-user="$nuid" --map-group="$ngid" true 2>/dev/null; then
      run_as=(unshare --user --map-user="$nuid" --map-group="$ngid" --)
    else
      command -v setpriv >/dev/null || die "running as root needs unshare or setpriv (util-linux)"
      chown -R "$nuid:$ngid" "$CONF" "$DATA" "$LOGS" "$TMP" "$RUN"
      run_as=(setpriv --reuid="$nuid" --regid="$ngid" --clear-groups --)
    fi
  fi

  # nohup as well as the library's setsid: the node outlives this script and its terminal.
  svc_spawn env -C "$BASE" -u ES_JAVA_OPTS -u JAVA_TOOL_OPTIONS \
    ES_HOME="$ES_HOME_DIR" ES_PATH_CONF="$CONF" ES_JAVA_HOME="$jh" ES_TMPDIR="$TMP" \
    nohup "${run_as[@]}" "$ES_HOME_DIR/bin/elasticsearch" -p "$SERVER_PIDFILE"
}

svc_main "$@"
