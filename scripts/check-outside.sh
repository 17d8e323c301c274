#!/usr/bin/env bash
# Runs scripts/outside/*.mjs as an application outside this repository would: in a temporary
# directory, with @kv packages installed by npm from the tarballs `pnpm pack` makes of the built
# packages (run after the build). Needs redis-server on PATH (scripts/services/redis.sh install).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kv-outside-XXXXXX")"
trap 'rm -rf "$work"' EXIT
for package in protocol redis; do
  (cd "$root/packages/$package" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error ./tarballs/*.tgz ioredis@^6 >/dev/null
cp "$root"/scripts/outside/*.mjs .
# A free port on loopback, where nothing listens until the check starts its own redis-server.
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
for program in *.mjs; do
  echo "--- $program (outside the workspace, installed from tarballs)"
  node "$program" "$port"
done
