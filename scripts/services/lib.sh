# shellcheck shell=bash
# The plumbing every test-server script in scripts/services/ shares: pid files, "is that pid still
# our server", readiness waits with a timeout, the log tail on failure, install once, stop by pid,
# and the install|start|stop|status|env dispatcher. A server script states only what is its own.
#
# A server script sources this file first, then sets its variables and defines its functions
# (overriding the defaults below), and ends with `svc_main "$@"`. A complete one:
#
#   #!/usr/bin/env bash
#   # Memcached for tests on 127.0.0.1:11212.
#   # shellcheck source=lib.sh
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   SVC_NAME=memcached
#   SVC_PORTS=(11212)
#   SVC_PROGRAM=memcached
#   SVC_ENV="KV_MEMCACHED_URL=127.0.0.1:11212"
#   SVC_COMMANDS=(memcached) SVC_APT_PACKAGES=(memcached)
#   svc_start() { svc_spawn memcached -l "$SVC_HOST" -p 11212 -U 0 -m 64 -u nobody; }
#   svc_main "$@"
#
# Then add its name to KV_SERVICES below (the order start-all.sh starts them in) and a row to
# README.md.
#
# What a server script sets (after sourcing):
#   SVC_NAME            required. State files are .services/$SVC_NAME.pid and .services/$SVC_NAME.log.
#   SVC_PORTS           required, an array. `start` refuses when one of them already accepts TCP
#                       connections and none of our recorded processes is alive.
#   SVC_PROGRAM         required. A fixed string that /proc/PID/cmdline of a recorded pid must contain
#                       for the pid to count as ours (a reused pid is never signalled). It must be in
#                       the command line given to svc_spawn, which is what the pid runs at first.
#   SVC_ENV             required. The line start-all.sh prints, e.g. KV_REDIS_URL=redis://127.0.0.1:6390.
#   SVC_PRODUCT         what runs, for messages and the log's "=== starting" line (default $SVC_NAME).
#   SVC_HOST            127.0.0.1.
#   SVC_ADDR            where, for messages (default $SVC_HOST:<first port>).
#   SVC_PROCESSES       how many pids svc_start records (default 1).
#   SVC_EXTRA_PIDFILES  an array of pid files the server writes itself (e.g. a child JVM); those pids
#                       are stopped after the recorded ones, and only if they also match SVC_PROGRAM.
#   SVC_READY_TIMEOUT   seconds `start` waits for readiness (default $KV_SERVICES_READY_TIMEOUT or 20).
#   SVC_POLL            seconds between readiness checks (default 0.1).
#   SVC_STOP_TIMEOUT    seconds between SIGTERM and SIGKILL (default 10).
#   SVC_ON_UNREADY      what `start` does with recorded processes that are alive but not ready:
#                       restart (default) or wait (for slow starters: wait again, and on a timeout
#                       leave them running for `stop`).
#   SVC_COMMANDS        commands whose presence means "installed" (for the default svc_installed).
#   SVC_APT_PACKAGES    Debian packages the default svc_install installs.
#   SVC_INSTALL_DIR     where it is installed, shown by `install`.
#
# What a server script defines:
#   svc_start           required. Launches the server process(es) with svc_spawn (one call per
#                       process); may wait between steps with svc_wait_for. Runs after the checks,
#                       with the old pid file removed and a "=== starting" line added to the log.
#   svc_ready           true when the server answers (default: every port in SVC_PORTS accepts a
#                       TCP connection).
#   svc_state           what it says about a ready server (default "answering").
#   svc_installed       true when installed (default: every SVC_COMMANDS is on PATH).
#   svc_install         installs; runs only when svc_installed is false, which it must make true
#                       (default: apt-get install SVC_APT_PACKAGES).
#   Anything else (paths, versions, helper functions) is the script's own; keep out of the svc_/_svc_
#   and SVC_ names.
#
# What this library provides:
#   ROOT (the repo), STATE (.services/), SVC_DIR (scripts/services/), SVC_CACHE
#   (${KV_SERVICES_CACHE:-~/.cache/kv-services}, for downloads kept outside the repo);
#   SVC_PIDFILE and SVC_LOG once svc_main runs.
#   say MSG / die MSG   "<name>: MSG" on stdout / on stderr with exit 1.
#   svc_spawn CMD...    starts CMD in its own session (it outlives the script), stdin /dev/null,
#                       output appended to SVC_LOG, and appends its pid to SVC_PIDFILE.
#   svc_wait_for CHECK MSG   polls the command CHECK until it succeeds; fails with MSG after
#                       SVC_READY_TIMEOUT, or at once when a recorded process has died.
#   svc_fail MSG        prints MSG and the log lines of this start, stops what was recorded, exit 1.
#   svc_port_open HOST PORT  true when something accepts TCP connections there.
#   svc_apt_install PKG...   apt-get update && apt-get install -y PKG... (scripts/apt.sh); without
#                       apt-get, says which packages are needed and exits 1.
#   svc_run_logged LOG CMD...  runs CMD with its output in LOG; on failure prints LOG's tail, exit 1.
#   svc_main "$@"       the dispatcher:
#     install  svc_install unless svc_installed.
#     start    idempotent: leaves a recorded, ready server alone; restarts (or waits for) a recorded
#              one that is not ready; refuses when something else answers on a port; otherwise
#              svc_start, then waits for svc_ready and prints the pids; on failure prints the log
#              lines of this start, stops what it started and exits 1.
#     stop     SIGTERM to the recorded pids that are ours, SIGKILL after SVC_STOP_TIMEOUT.
#     status   exit 0 running and ready, 1 alive but not answering, 3 not running.
#     env      prints SVC_ENV.
#     anything else: usage, exit 2.
# For start-all.sh and stop-all.sh: KV_SERVICES and svc_select.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../apt.sh
source "$ROOT/scripts/apt.sh"
STATE="$ROOT/.services"
# shellcheck disable=SC2034 # for the scripts that source this file
SVC_DIR="$ROOT/scripts/services"
# shellcheck disable=SC2034
SVC_CACHE="${KV_SERVICES_CACHE:-$HOME/.cache/kv-services}"
KV_SERVICES=(redis redis-cluster mongodb elasticsearch postgres memcached etcd s3)

SVC_NAME=
SVC_PORTS=()
SVC_PROGRAM=
SVC_ENV=
SVC_PRODUCT=
SVC_HOST=127.0.0.1
SVC_ADDR=
SVC_PROCESSES=1
SVC_EXTRA_PIDFILES=()
SVC_READY_TIMEOUT="${KV_SERVICES_READY_TIMEOUT:-20}"
SVC_POLL=0.1
SVC_STOP_TIMEOUT=10
SVC_ON_UNREADY=restart
SVC_COMMANDS=()
SVC_APT_PACKAGES=()
SVC_INSTALL_DIR=
SVC_PIDFILE=
SVC_LOG=
_SVC_LOG_START=1

say() { echo "$SVC_NAME: $*"; }
die() {
  echo "$SVC_NAME: $*" >&2
  exit 1
}

# ---- defaults a server script may override

svc_ready() {
  local port
  for port in "${SVC_PORTS[@]}"; do svc_port_open "$SVC_HOST" "$port" || return 1; done
}

svc_state() { echo answering; }

svc_installed() {
  local c
  for c in "${SVC_COMMANDS[@]}"; do command -v "$c" >/dev/null || return 1; done
}

svc_install() { svc_apt_install "${SVC_APT_PACKAGES[@]}"; }

svc_start() { die "svc_start is not defined"; }

# ---- helpers for server scripts

svc_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

svc_apt_install() { apt_install "$SVC_NAME" "needs the Debian packages $*; install them and run again" "$@"; }

svc_run_logged() {
  local log="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "$SVC_NAME: $1 failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2 || true
    exit 1
  fi
}

svc_spawn() {
  # setsid: its own session, so the server outlives this shell; the inner shell records its pid,
  # then execs the server (the pid stays the same).
  # shellcheck disable=SC2016 # $$ and "$@" are for the inner shell
  setsid bash -c 'echo $$ >>"$0"; exec "$@"' "$SVC_PIDFILE" "$@" </dev/null >>"$SVC_LOG" 2>&1 &
  disown "$!" # no "Killed" job notice when a failed start stops it
}

svc_wait_for() {
  local check="$1" why="$2" deadline=$((SECONDS + SVC_READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    if "$check"; then return 0; fi
    if _svc_died; then svc_fail "a server process exited before it was ready ($(_svc_gone))"; fi
    sleep "$SVC_POLL"
  done
  if [[ "$SVC_ON_UNREADY" == wait ]]; then
    echo "$SVC_NAME: $why ($(_svc_pidlist "$(_svc_pids)") still running; stop it with '$0 stop')" >&2
    _svc_tail
    exit 1
  fi
  svc_fail "$why"
}

svc_fail() {
  echo "$SVC_NAME: $1; last lines of $SVC_LOG:" >&2
  _svc_tail
  _svc_stop_recorded >/dev/null
  exit 1
}

# ---- internals

_svc_tail() { tail -n "+$_SVC_LOG_START" "$SVC_LOG" 2>/dev/null | tail -n 60 >&2 || true; }

# A live process (a zombie waiting to be reaped does not count).
_svc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# The pids recorded in the given files (those that exist), one a line.
_svc_recorded() {
  local file pid
  for file in "$@"; do
    [[ -f "$file" ]] || continue
    while read -r pid || [[ -n "$pid" ]]; do # a server may not end its pid file with a newline
      if [[ "$pid" =~ ^[0-9]+$ ]]; then echo "$pid"; fi
    done <"$file"
  done
}

# The pids in the given files that are alive and ours (cmdline contains SVC_PROGRAM), one a line.
_svc_live_in() {
  local pid
  for pid in $(_svc_recorded "$@"); do
    if _svc_alive "$pid" && _svc_runs_program "$pid"; then echo "$pid"; fi
  done
}

# The command line of a live pid. It can read empty while the pid execs a new program
# (the spawned shell becoming the server), so an empty read is tried again for up to a second.
_svc_cmdline() {
  local cmdline i
  for ((i = 0; i < 20; i++)); do
    cmdline="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" || return 0
    if [[ -n "$cmdline" ]]; then
      echo "$cmdline"
      return 0
    fi
    _svc_alive "$1" || return 0
    sleep 0.05
  done
}

_svc_runs_program() { [[ "$(_svc_cmdline "$1")" == *"$SVC_PROGRAM"* ]]; }

# Why a recorded process no longer counts, for the message of a failed start.
_svc_gone() {
  local pid
  for pid in $(_svc_recorded "$SVC_PIDFILE" "${SVC_EXTRA_PIDFILES[@]}"); do
    if ! _svc_alive "$pid"; then
      echo "pid $pid exited"
    elif ! _svc_runs_program "$pid"; then
      echo "pid $pid no longer runs $SVC_PROGRAM (it runs: $(_svc_cmdline "$pid"))"
    fi
  done | paste -sd ';' | sed 's/;/; /g'
}

_svc_pids() { _svc_live_in "$SVC_PIDFILE" "${SVC_EXTRA_PIDFILES[@]}" | tr '\n' ' ' | sed 's/ $//'; }

# All SVC_PROCESSES recorded processes are alive.
_svc_complete() { (($(_svc_live_in "$SVC_PIDFILE" | wc -l) >= SVC_PROCESSES)); }

# Every process was recorded and one of them is gone.
_svc_died() {
  (($(wc -l 2>/dev/null <"$SVC_PIDFILE" || echo 0) >= SVC_PROCESSES)) && ! _svc_complete
}

# "pid 12" or "pids 12 13 14" for a space-separated list.
_svc_pidlist() {
  local pids="$1"
  if [[ "$pids" == *" "* ]]; then echo "pids $pids"; else echo "pid $pids"; fi
}

_svc_any_alive() {
  local pid
  for pid in "$@"; do if _svc_alive "$pid"; then return 0; fi; done
  return 1
}

# SIGTERM to the pids, SIGKILL to those still alive after SVC_STOP_TIMEOUT seconds.
_svc_kill() {
  (($#)) || return 0
  local pid i
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < SVC_STOP_TIMEOUT * 10; i++)); do
    _svc_any_alive "$@" || return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if _svc_alive "$pid"; then
      echo "$SVC_NAME: pid $pid did not exit after SIGTERM, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for ((i = 0; i < 50; i++)); do
    _svc_any_alive "$@" || return 0
    sleep 0.1
  done
}

# Stops the recorded processes, then any of the server's own pid files' processes that outlived
# them; removes the pid files; prints the pids it stopped.
_svc_stop_recorded() {
  local main extra
  mapfile -t main < <(_svc_live_in "$SVC_PIDFILE")
  _svc_kill "${main[@]}"
  mapfile -t extra < <(_svc_live_in "${SVC_EXTRA_PIDFILES[@]}")
  _svc_kill "${extra[@]}"
  rm -f "$SVC_PIDFILE" "${SVC_EXTRA_PIDFILES[@]}"
  main+=("${extra[@]}")
  echo "${main[*]}"
}

_svc_install() {
  if svc_installed; then
    say "$SVC_PRODUCT already installed${SVC_INSTALL_DIR:+ in $SVC_INSTALL_DIR}"
    return 0
  fi
  svc_install
  svc_installed || die "install finished but $SVC_PRODUCT is still not installed"
  say "installed $SVC_PRODUCT${SVC_INSTALL_DIR:+ in $SVC_INSTALL_DIR}"
}

_svc_start() {
  svc_installed || die "$SVC_PRODUCT not installed; run '$0 install'"
  mkdir -p "$STATE"
  local pids port
  pids="$(_svc_pids)"
  if [[ -n "$pids" ]] && _svc_complete && svc_ready; then
    say "already running ($(_svc_pidlist "$pids")) on $SVC_ADDR, $(svc_state)"
    return 0
  fi
  if [[ -n "$pids" && "$SVC_ON_UNREADY" == wait ]] && _svc_complete; then
    say "recorded $(_svc_pidlist "$pids") alive but not answering yet; waiting for it"
  else
    if [[ -n "$pids" ]]; then
      say "recorded $(_svc_pidlist "$pids") alive but not answering; restarting"
      _svc_stop_recorded >/dev/null
    fi
    rm -f "$SVC_PIDFILE" "${SVC_EXTRA_PIDFILES[@]}"
    for port in "${SVC_PORTS[@]}"; do
      if svc_port_open "$SVC_HOST" "$port"; then
        die "something not started by this script already answers on $SVC_HOST:$port; refusing to start"
      fi
    done
    _SVC_LOG_START=$(($(wc -l 2>/dev/null <"$SVC_LOG" || echo 0) + 1))
    echo "=== $(date -u +%FT%TZ) starting $SVC_PRODUCT on $SVC_ADDR" >>"$SVC_LOG"
    svc_start
  fi
  svc_wait_for svc_ready "not ready after ${SVC_READY_TIMEOUT}s"
  say "started ($(_svc_pidlist "$(_svc_pids)")) on $SVC_ADDR, $(svc_state)"
}

_svc_stop() {
  local stopped
  stopped="$(_svc_stop_recorded)"
  if [[ -n "$stopped" ]]; then say "stopped ($(_svc_pidlist "$stopped"))"; else say "not running"; fi
}

_svc_status() {
  local pids alive
  pids="$(_svc_pids)"
  if [[ -z "$pids" ]]; then
    say "not running"
    return 3
  fi
  if _svc_complete && svc_ready; then
    say "running ($(_svc_pidlist "$pids")) on $SVC_ADDR, $(svc_state)"
    return 0
  fi
  alive="$(_svc_live_in "$SVC_PIDFILE" | wc -l)"
  if ((alive < SVC_PROCESSES)); then
    say "$alive/$SVC_PROCESSES recorded processes alive ($(_svc_pidlist "$pids")), not answering on $SVC_ADDR"
  else
    say "$(_svc_pidlist "$pids") alive but not answering on $SVC_ADDR"
  fi
  return 1
}

svc_main() {
  [[ -n "$SVC_NAME" && ${#SVC_PORTS[@]} -gt 0 && -n "$SVC_PROGRAM" && -n "$SVC_ENV" ]] ||
    { echo "$0: SVC_NAME, SVC_PORTS, SVC_PROGRAM and SVC_ENV must be set (see lib.sh)" >&2; exit 2; }
  SVC_PRODUCT="${SVC_PRODUCT:-$SVC_NAME}"
  SVC_ADDR="${SVC_ADDR:-$SVC_HOST:${SVC_PORTS[0]}}"
  SVC_PIDFILE="$STATE/$SVC_NAME.pid"
  SVC_LOG="$STATE/$SVC_NAME.log"
  case "${1:-}" in
    install) _svc_install ;;
    start) _svc_start ;;
    stop) _svc_stop ;;
    status) _svc_status ;;
    env) echo "$SVC_ENV" ;;
    *)
      echo "usage: $0 {install|start|stop|status|env}" >&2
      exit 2
      ;;
  esac
}

# ---- for start-all.sh and stop-all.sh

# Sets SERVICES to the named services (default: all of KV_SERVICES); exits 2 on an unknown name.
# Usage: svc_select <program name for messages> [service ...]
svc_select() {
  local prog="$1" s
  shift
  SERVICES=("$@")
  ((${#SERVICES[@]})) || SERVICES=("${KV_SERVICES[@]}")
  for s in "${SERVICES[@]}"; do
    case " ${KV_SERVICES[*]} " in
      *" $s "*) ;;
      *)
        echo "$prog: unknown service '$s' (known: ${KV_SERVICES[*]})" >&2
        exit 2
        ;;
    esac
  done
}
