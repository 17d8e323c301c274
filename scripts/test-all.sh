#!/usr/bin/env bash
# Runs every check CI runs: lint, type-checks, all test suites against real local servers,
# builds, package-shape checks, the examples and the README checks. Starts the servers the
# tests need (installing any that are missing) and stops the ones it started; makes the Python
# environment of the py-key-value interop tests (scripts/python-interop.sh).
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
bash scripts/bootstrap.sh

started_here=()
for service in $(bash scripts/services/start-all.sh --list); do
  if ! bash "scripts/services/$service.sh" status >/dev/null 2>&1; then started_here+=("$service"); fi
done
stop_started() {
  if ((${#started_here[@]})); then bash scripts/services/stop-all.sh "${started_here[@]}" || true; fi
}
trap stop_started EXIT

status=0
step() {
  echo "::: $*"
  "$@" || { echo "::: FAILED: $*"; status=1; }
}

step bash scripts/services/start-all.sh
# The examples read their servers' addresses (KV_REDIS_URL ...) from the environment, as a user's would.
for service in $(bash scripts/services/start-all.sh --list); do
  if bash "scripts/services/$service.sh" status >/dev/null 2>&1; then
    export "$(bash "scripts/services/$service.sh" env)"
  fi
done
step bash scripts/python-interop.sh
step bash scripts/chromium.sh
rm -rf packages/*/.test-results examples/*/.test-results
step pnpm exec biome check .
step pnpm exec turbo run typecheck test build check:package --concurrency=2 --continue --output-logs=new-only
step pnpm exec turbo run typecheck start --filter='./examples/*' --concurrency=2 --output-logs=new-only
step bash scripts/check-outside.sh
step pnpm exec tsx scripts/check-portable.ts
step pnpm exec tsx scripts/check-packages.ts --packed
step pnpm exec tsx scripts/check-readmes.ts
step pnpm exec tsx scripts/summarize-tests.ts || status=1
exit "$status"
