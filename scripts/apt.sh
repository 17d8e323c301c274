#!/usr/bin/env bash
# Sourced by the scripts that install a Debian package when something they need is missing
# (scripts/services/lib.sh, chromium.sh, python-interop.sh).
#   apt_install WHO HINT PKG...   installs PKG... with apt-get, non-interactively, saying so as
#                                 "WHO: installing PKG... with apt-get"; where there is no apt-get,
#                                 prints "WHO: HINT" on stderr and exits 1.

apt_install() {
  local who="$1" hint="$2"
  shift 2
  if ! command -v apt-get >/dev/null; then
    echo "$who: $hint" >&2
    exit 1
  fi
  echo "$who: installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "$@"
}
