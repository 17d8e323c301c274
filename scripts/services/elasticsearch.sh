#!/usr/bin/env bash
# Elasticsearch 8.x for the @kv test suites: ONE node on http://127.0.0.1:9201
# (KV_ELASTICSEARCH_PORT overrides), plain http, no auth, small heap.
#
# Usage: scripts/services/elasticsearch.sh {install|start|stop|status}
#
#   install  fetch Elastic's Elasticsearch distribution from Maven Central with Maven
#            (cached in ~/.m2) and unpack it under .services/elasticsearch/dist
#   start    start the node detached, wait until /_cluster/health is green or yellow
#   stop     stop the node this script started (the pid in .services/elasticsearch.pid)
#   status   exit 0 if the node answers
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
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NAME=elasticsearch
ES_VERSION=8.14.3 # keep in step with elasticsearch.version in elasticsearch/pom.xml
PORT="${KV_ELASTICSEARCH_PORT:-9201}"
HEAP="${KV_ELASTICSEARCH_HEAP:-512m}"
START_TIMEOUT="${KV_ELASTICSEARCH_START_TIMEOUT:-180}"

STATE="$ROOT/.services"
BASE="$STATE/elasticsearch"
DIST="$BASE/dist"
ES_HOME_DIR="$DIST/elasticsearch-$ES_VERSION"
CONF="$BASE/config"
DATA="$BASE/data"
LOGS="$BASE/logs"
TMP="$BASE/tmp"
PIDFILE="$STATE/$NAME.pid"
RUN="$BASE/run"
SERVER_PIDFILE="$RUN/server.pid"
LOG="$STATE/$NAME.log"
POM="$ROOT/scripts/services/elasticsearch/pom.xml"
URL="http://127.0.0.1:$PORT"

say() { echo "$NAME: $*"; }
die() { echo "$NAME: $*" >&2; exit 1; }

installed() {
  [[ -x "$ES_HOME_DIR/bin/elasticsearch" && -f "$ES_HOME_DIR/lib/elasticsearch-$ES_VERSION.jar" ]]
}

install() {
  if installed; then
    say "Elasticsearch $ES_VERSION already unpacked in ${ES_HOME_DIR#"$ROOT"/}"
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is required: apt-get install maven"
  command -v java >/dev/null || [[ -n "${ES_JAVA_HOME:-}${JAVA_HOME:-}" ]] ||
    die "a JDK 17+ is required: apt-get install openjdk-17-jdk-headless"
  say "fetching Elasticsearch $ES_VERSION with Maven (cached in ~/.m2) and unpacking it"
  # Start from an empty dist/ so the dependency plugin's "already unpacked" markers
  # can never disagree with what is on disk.
  rm -rf "$DIST"
  mkdir -p "$DIST"
  # (sed only strips the colour resets Maven's console prints even with -B; pipefail
  # keeps Maven's exit status)
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:unpack-dependencies \
    -Dkv.es.dist="$DIST" -Delasticsearch.version="$ES_VERSION" 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g'
  installed || die "Maven finished but $ES_HOME_DIR/bin/elasticsearch is missing"
  say "installed in ${ES_HOME_DIR#"$ROOT"/}"
}

recorded_pid() {
  local pid
  [[ -f "$PIDFILE" ]] || return 1
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# A live process (a zombie waiting to be reaped does not count).
alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# Prints green/yellow/red, or nothing when the node does not answer.
health() {
  curl -fsS -m 3 "$URL/_cluster/health" 2>/dev/null |
    sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' || true
}

healthy() {
  local s
  s="$(health)"
  [[ "$s" == green || "$s" == yellow ]]
}

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

start() {
  mkdir -p "$STATE"
  local pid
  pid="$(recorded_pid || true)"
  if alive "$pid"; then
    if healthy; then
      say "already running (pid $pid): elasticsearch ready on $URL"
      return 0
    fi
    say "pid $pid is alive but not healthy yet; waiting for it"
  else
    rm -f "$PIDFILE"
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      die "something already listens on 127.0.0.1:$PORT (a node left over? try '$0 stop'; or set KV_ELASTICSEARCH_PORT)"
    fi
    installed || install
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

    rm -f "$SERVER_PIDFILE"
    {
      echo "=== $(date -u +%FT%TZ) starting Elasticsearch $ES_VERSION on $URL (heap 256m..$HEAP)"
    } >>"$LOG"
    # New session (setsid) + nohup: the node outlives this script and its terminal.
    (
      cd "$BASE"
      export ES_HOME="$ES_HOME_DIR" ES_PATH_CONF="$CONF" ES_JAVA_HOME="$jh" ES_TMPDIR="$TMP"
      unset ES_JAVA_OPTS JAVA_TOOL_OPTIONS
      exec setsid nohup "${run_as[@]}" "$ES_HOME_DIR/bin/elasticsearch" -p "$SERVER_PIDFILE" \
        </dev/null >>"$LOG" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$PIDFILE"
  fi

  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if healthy; then
      echo "elasticsearch ready on $URL"
      return 0
    fi
    if ! alive "$pid"; then
      echo "$NAME: the node exited before becoming healthy; last log lines:" >&2
      tail -n 60 "$LOG" >&2 || true
      rm -f "$PIDFILE"
      exit 1
    fi
    sleep 1
  done
  echo "$NAME: not healthy after ${START_TIMEOUT}s (pid $pid, still running; stop it with '$0 stop'); last log lines:" >&2
  tail -n 60 "$LOG" >&2 || true
  exit 1
}

# Wait up to $2 seconds for pid $1 to exit.
wait_gone() {
  local pid="$1" n=$(($2 * 5))
  while alive "$pid" && ((n-- > 0)); do sleep 0.2; done
  ! alive "$pid"
}

# True if $1 is a live node JVM of this repo's distribution.
our_server() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && alive "$1" && grep -qaF -- "$ES_HOME_DIR" "/proc/$1/cmdline" 2>/dev/null
}

stop() {
  local pid server stopped=
  pid="$(recorded_pid || true)"
  server="$(cat "$SERVER_PIDFILE" 2>/dev/null || true)"
  if alive "$pid"; then
    # The node JVM is a child of the recorded launcher, which stops it on SIGTERM.
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 60; then
      say "pid $pid did not stop in 60s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || true
    fi
    stopped="pid $pid"
  fi
  # Only if the node JVM outlived its launcher (e.g. the launcher was killed -9).
  if our_server "$server"; then
    kill -TERM "$server" 2>/dev/null || true
    wait_gone "$server" 30 || { kill -KILL "$server" 2>/dev/null || true; wait_gone "$server" 10 || true; }
    stopped="${stopped:+$stopped and }node pid $server"
  fi
  rm -f "$PIDFILE" "$SERVER_PIDFILE"
  if [[ -n "$stopped" ]]; then say "stopped ($stopped)"; else say "not running"; fi
}

status() {
  local s
  s="$(health)"
  if [[ "$s" == green || "$s" == yellow ]]; then
    say "running on $URL (cluster health $s, pid $(recorded_pid || echo '?'))"
    return 0
  fi
  say "not answering on $URL"
  return 1
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
