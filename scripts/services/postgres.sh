#!/usr/bin/env bash
# PostgreSQL for tests on 127.0.0.1:55432: a throwaway cluster, made again by `initdb` on every
# start, trust authentication on loopback only, no unix socket, fsync off.
# Usage: scripts/services/postgres.sh {install|start|stop|status|env}
# State: .services/postgres.pid, .services/postgres.log, .services/postgres/data (the cluster).
# The binaries are the ones on PATH (initdb, postgres) or, on a Debian machine without them on
# PATH, the newest /usr/lib/postgresql/*/bin; `install` adds Debian's `postgresql` package (which
# also starts a system cluster on 5432 where an init system runs: not ours, and not our port).
# As root the cluster belongs to the `postgres` user (made when missing) and the server runs as
# that user; as anyone else it runs as the caller.
# The plumbing is in lib.sh; this file states what is PostgreSQL's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DATA="$STATE/postgres/data"

SVC_NAME=postgres
SVC_PORTS=(55432)
# The postmaster keeps its command line (only its children retitle themselves), so this matches
# the server process and nothing else.
SVC_PROGRAM="postgres -D $DATA"
SVC_ENV="KV_POSTGRES_URL=postgres://postgres@127.0.0.1:55432/postgres"
SVC_APT_PACKAGES=(postgresql)

# The directory holding initdb, postgres and pg_isready, or nothing.
pg_bindir() {
  local initdb dir
  if initdb="$(command -v initdb)" && command -v postgres >/dev/null; then
    dirname "$(readlink -f "$initdb")"
    return
  fi
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return
    fi
  done
}

# Runs a command as the cluster's owner.
as_owner() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

svc_installed() { [[ -n "$(pg_bindir)" ]]; }

svc_install() {
  svc_apt_install "${SVC_APT_PACKAGES[@]}"
  SVC_PRODUCT="PostgreSQL in $(pg_bindir)"
}

svc_ready() {
  "$(pg_bindir)/pg_isready" -q -h "$SVC_HOST" -p "${SVC_PORTS[0]}" -U postgres -d postgres -t 2
}
svc_state() { echo "accepting connections"; }

svc_start() {
  local bin
  bin="$(pg_bindir)"
  if ((EUID == 0)) && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  rm -rf "$DATA"
  mkdir -p "$DATA"
  if ((EUID == 0)); then chown -R postgres:postgres "$STATE/postgres"; fi
  as_owner test -w "$DATA" ||
    svc_fail "the postgres user cannot write $DATA (is a parent directory closed to it?)"
  as_owner "$bin/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >>"$SVC_LOG" 2>&1 || svc_fail "initdb failed"
  local server=("$bin/postgres" -D "$DATA" -c listen_addresses="$SVC_HOST"
    -c port="${SVC_PORTS[0]}" -c unix_socket_directories= -c fsync=off
    -c synchronous_commit=off -c full_page_writes=off -c max_connections=200)
  # setpriv execs the server in place (runuser would stay as its parent), so the recorded pid is
  # the postmaster's and `stop` signals only it.
  if ((EUID == 0)); then
    svc_spawn setpriv --reuid=postgres --regid=postgres --init-groups -- "${server[@]}"
  else
    svc_spawn "${server[@]}"
  fi
}

svc_main "$@"
