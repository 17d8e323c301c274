#!/usr/bin/env bash
# MongoDB-wire-protocol server for tests on 127.0.0.1:27018: mongo-java-server (in-memory backend).
# Usage: scripts/services/mongodb.sh {install|start|stop|status|env}
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
# The plumbing is in lib.sh; this file states what is mongo-java-server's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MJS_VERSION=1.47.0
SLF4J_VERSION=2.0.17
LAUNCHER_REV=2 # bump when the launcher below changes, so install rebuilds it
CACHE="$SVC_CACHE/mongo-java-server-$MJS_VERSION-r$LAUNCHER_REV"
MAIN_CLASS=KvMongoServer

SVC_NAME=mongodb
SVC_PRODUCT="mongo-java-server $MJS_VERSION"
SVC_PORTS=(27018)
SVC_PROGRAM="$MAIN_CLASS"
SVC_ENV="KV_MONGODB_URL=mongodb://127.0.0.1:27018"
SVC_READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-30}"
SVC_POLL=0.2
SVC_STOP_TIMEOUT=15
SVC_INSTALL_DIR="$CACHE"

# Sends OP_MSG {ping: 1, $db: "admin"} over bash's /dev/tcp and checks the reply holds ok: 1.
svc_ready() {
  # shellcheck disable=SC2016 # the script runs in the inner shell
  timeout 2 bash -c '
    set -euo pipefail
    exec 3<>"/dev/tcp/$0/$1"
    printf "\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\$db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    len=$(dd bs=1 count=4 2>/dev/null <&3 | od -An -tu4 | tr -d " ")
    (( len > 16 && len < 65536 ))
    reply=$(dd bs=1 count=$((len - 4)) 2>/dev/null <&3 | od -An -v -tx1 | tr -d " \n")
    [[ $reply == *016f6b00000000000000f03f* || $reply == *106f6b0001000000* ]]
  ' "$SVC_HOST" "${SVC_PORTS[0]}" 2>/dev/null
}
svc_state() { echo "answering ping"; }

svc_installed() { [[ -f "$CACHE/.complete" && -f "$CACHE/classes/$MAIN_CLASS.class" ]]; }

svc_install() {
  if ! { command -v java && command -v javac && command -v mvn; } >/dev/null; then
    svc_apt_install openjdk-17-jdk-headless maven
  fi
  say "fetching mongo-java-server $MJS_VERSION from Maven Central into $CACHE"
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
  svc_run_logged "$CACHE/mvn.log" mvn -B -q -Dstyle.color=never -f "$CACHE/pom.xml" \
    dependency:copy-dependencies -DoutputDirectory="$CACHE/lib" -DincludeScope=runtime
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
}

svc_start() {
  svc_spawn java -Xmx1g -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoWireProtocolHandler=off \
    -cp "$CACHE/classes:$CACHE/lib/*" "$MAIN_CLASS" "$SVC_HOST" "${SVC_PORTS[0]}"
}

svc_main "$@"
