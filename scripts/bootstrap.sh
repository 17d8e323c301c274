#!/usr/bin/env bash
# Makes a fresh machine ready: the pinned pnpm, then the workspace's dependencies.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pinned="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if [ "$(pnpm --version 2>/dev/null || true)" != "$pinned" ]; then
  npm install --global --silent "pnpm@$pinned"
fi
if [ -n "${CI:-}" ]; then pnpm install --frozen-lockfile --reporter=append-only; else pnpm install --reporter=silent; fi
