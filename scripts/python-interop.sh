#!/usr/bin/env bash
# Makes the Python virtual environment of the py-key-value interop tests (packages/interop-python):
# python3 -m venv, then pip install of the pinned packages/interop-python/requirements.txt.
# It lives outside the repo, in $KV_INTEROP_VENV or ~/.cache/kv-interop/venv, and is made again
# only when requirements.txt changes. Installs Python (python3, python3-venv) with apt-get when
# there is no python3 >= 3.10 that can make a virtual environment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt.sh
source "$root/scripts/apt.sh"
venv="${KV_INTEROP_VENV:-$HOME/.cache/kv-interop/venv}"
requirements="$root/packages/interop-python/requirements.txt"
stamp="$venv/requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$wanted" ]]; then
  echo "python-interop: $venv is up to date"
  exit 0
fi

can_make_venv() {
  command -v python3 >/dev/null &&
    python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null
}
if ! can_make_venv; then
  apt_install python-interop "needs python3 >= 3.10 with the venv module; install it and run again" \
    python3 python3-venv
  can_make_venv || { echo "python-interop: python3 still cannot make a venv" >&2; exit 1; }
fi

started=$EPOCHREALTIME
echo "python-interop: creating $venv ($(python3 --version)) and installing requirements.txt"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --requirement "$requirements"
echo "$wanted" >"$stamp"
echo "python-interop: ready in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s"
