#!/usr/bin/env bash
# MongoDB-wire-protocol server for tests on 127.0.0.1:27018: mongo-java-server (in-memory backend).
# Usage: scripts/services/mongodb.sh {install|start|stop|status}
#
# Why not FerretDB: the Go module proxy refuses github.com/FerretDB/FerretDB v1 ("403 This module
# version is not available"), and FerretDB v2 needs PostgreSQL with the DocumentDB extension, which
# Debian does not package. mongo-java-server (de.bwaldvogel, Maven Central) speaks the wire protocol;
# a small launcher binds it to 127.0.0.1:$PORT and advertises MongoDB 4.4 (wire version 9), the
# minimum the mongodb 7 Node driver accepts (the library itself says 5.0 / wire 8).
# Data lives in the JVM's memory: every start is an empty server. No TTL monitor, no sessions.
#
# State: .services/mongodb.pid, .services/mongodb.log. The jars and the compiled launcher are cached
# outside the repo in ${KV_SERVICES_CACHE:-$HOME/.cache/kv-services}/mongo-java-server-<version>-r<rev>/;
# Maven's own cache is ~/.m2.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/.services"
NAME=mongodb
HOST=127.0.0.1
PORT=27018
MJS_VERSION=1.47.0
SLF4J_VERSION=2.0.17
LAUNCHER_REV=2 # bump when the launcher below changes, so install rebuilds it
CACHE="${KV_SERVICES_CACHE:-$HOME/.cache/kv-services}/mongo-java-server-$MJS_VERSION-r$LAUNCHER_REV"
MAIN_CLASS=KvMongoServer
PIDFILE="$STATE/$NAME.pid"
LOG="$STATE/$NAME.log"
READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-30}"

live_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(head -n1 "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
  echo "$pid"
}

# Sends OP_MSG {ping: 1, $db: "admin"} over bash's /dev/tcp and checks the reply holds ok: 1.
answering() {
  # shellcheck disable=SC2016 # the script runs in the inner shell
  timeout 2 bash -c '
    set -euo pipefail
    exec 3<>"/dev/tcp/$0/$1"
    printf "\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\$db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    len=$(dd bs=1 count=4 2>/dev/null <&3 | od -An -tu4 | tr -d " ")
    (( len > 16 && len < 65536 ))
    reply=$(dd bs=1 count=$((len - 4)) 2>/dev/null <&3 | od -An -v -tx1 | tr -d " \n")
    [[ $reply == *016f6b00000000000000f03f* || $reply == *106f6b0001000000* ]]
  ' "$HOST" "$PORT" 2>/dev/null
}

need_java() {
  command -v java >/dev/null && command -v javac >/dev/null && command -v mvn >/dev/null
}

install() {
  if [[ -f "$CACHE/.complete" && -f "$CACHE/classes/$MAIN_CLASS.class" ]]; then
    echo "$NAME: mongo-java-server $MJS_VERSION already installed in $CACHE"
    return 0
  fi
  if ! need_java; then
    echo "$NAME: installing a JDK and Maven with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y openjdk-17-jdk-headless maven
  fi
  echo "$NAME: fetching mongo-java-server $MJS_VERSION from Maven Central into $CACHE"
  rm -rf "$CACHE"
  mkdir -p "$CACHE/src"
  cat >"$CACHE/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kv.services</groupId>
  <artifactId>kv-mongo-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>de.bwaldvogel</groupId><artifactId>mongo-java-server</artifactId><version>$MJS_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  if ! (cd "$CACHE" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
    -DoutputDirectory=lib -DincludeScope=runtime) >"$CACHE/mvn.log" 2>&1; then
    echo "$NAME: mvn failed; last lines of $CACHE/mvn.log:" >&2
    tail -n 40 "$CACHE/mvn.log" >&2
    exit 1
  fi
  cat >"$CACHE/src/$MAIN_CLASS.java" <<'JAVA'
import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/** Binds mongo-java-server's in-memory backend to HOST PORT; advertises MongoDB 4.4 (wire 9). */
public class KvMongoServer {
    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        MemoryBackend backend = new MemoryBackend();
        backend.version(new MongoVersion() {
            @Override
            public List<Integer> getVersionArray() {
                return List.of(4, 4, 0);
            }

            @Override
            public int getWireVersion() {
                return 9;
            }
        });
        MongoServer server = new MongoServer(backend);
        try {
            server.bind(host, port);
        } catch (Throwable e) { // e.g. java.net.BindException, thrown unchecked through Netty
            e.printStackTrace();
            System.exit(1);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        System.out.println("kv-mongo: listening on " + host + ":" + port);
    }
}
JAVA
  javac -d "$CACHE/classes" -cp "$CACHE/lib/*" "$CACHE/src/$MAIN_CLASS.java"
  echo "$MJS_VERSION" >"$CACHE/.complete"
  echo "$NAME: installed mongo-java-server $MJS_VERSION"
}

stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
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
  [[ -f "$CACHE/.complete" ]] || { echo "$NAME: not installed; run '$0 install'" >&2; exit 1; }
  mkdir -p "$STATE"
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
  echo "=== $(date -u +%FT%TZ) starting mongo-java-server $MJS_VERSION on $HOST:$PORT" >>"$LOG"
  # shellcheck disable=SC2016 # $$ and "$@" are for the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
    java -Xmx1g -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler=off \
    -cp "$CACHE/classes:$CACHE/lib/*" "$MAIN_CLASS" "$HOST" "$PORT" \
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
    sleep 0.2
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
      echo "$NAME: running (pid $pid) on $HOST:$PORT, answering ping"
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
