#!/usr/bin/env bash
# Memcached for tests on 127.0.0.1:11212: TCP only (no UDP), 256 MB of item memory, nothing kept
# across restarts. As root it runs as `nobody` (memcached refuses to run as root without -u).
# Usage: scripts/services/memcached.sh {install|start|stop|status|env}
# State: .services/memcached.pid, .services/memcached.log
# Debian's package may start a system memcached on 11211 where an init system runs; that one is
# not ours, is never stopped here, and does not collide with this port.
# The plumbing is in lib.sh; this file states what is memcached's own.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SVC_NAME=memcached
SVC_PORTS=(11212)
SVC_PROGRAM=memcached
SVC_ENV="KV_MEMCACHED_URL=memcached://127.0.0.1:11212"
SVC_COMMANDS=(memcached)
SVC_APT_PACKAGES=(memcached)

# Ready once it answers the text protocol's `version` command.
svc_ready() {
  local reply
  reply="$(
    {
      exec 3<>"/dev/tcp/$SVC_HOST/${SVC_PORTS[0]}" || exit 1
      printf 'version\r\n' >&3
      read -r -t 2 line <&3 && echo "$line"
    } 2>/dev/null
  )" || return 1
  [[ "$reply" == VERSION* ]]
}
svc_state() { echo "answering version"; }

svc_start() {
  local user=()
  if ((EUID == 0)); then user=(-u nobody); fi
  svc_spawn memcached -l "$SVC_HOST" -p "${SVC_PORTS[0]}" -U 0 -m 256 "${user[@]}"
}

svc_main "$@"
