#!/usr/bin/env bash
# Makes sure Debian's headless-capable Chromium is installed for the browser test runs
# (@kv/browser-tests, @kv/indexeddb, @kv/web-storage drive it through Playwright at
# /usr/bin/chromium, or $KV_CHROMIUM_PATH). Installs it with apt-get when missing; nothing
# downloads a browser at test time.
set -euo pipefail
path="${KV_CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -f "$path" && -x "$path" ]]; then
  echo "chromium: $("$path" --version 2>/dev/null || echo "$path")"
  exit 0
fi
# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
apt_install chromium "$path is missing; install Chromium or set KV_CHROMIUM_PATH" chromium
