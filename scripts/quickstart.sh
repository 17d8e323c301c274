#!/usr/bin/env bash
# The README's first command: sets the machine up and runs examples/quickstart on the memory store.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh"
cd "$root"
TURBO_TELEMETRY_DISABLED=1 pnpm exec turbo run start --filter=@kv-examples/quickstart --output-logs=new-only
