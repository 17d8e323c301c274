#!/usr/bin/env bash
# Stops the test servers that the service scripts started (each kills only its recorded pids).
# Usage: scripts/services/stop-all.sh [service ...]
#   services: KV_SERVICES in lib.sh: redis redis-cluster mongodb elasticsearch (default: all of them)
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

svc_select stop-all "$@"

failed=0
for s in "${SERVICES[@]}"; do
  script="$SVC_DIR/$s.sh"
  if [[ ! -f "$script" ]]; then
    echo "$s: skipped ($script does not exist)"
    continue
  fi
  bash "$script" stop || { echo "$s: stop FAILED" >&2; failed=1; }
done
exit "$failed"
