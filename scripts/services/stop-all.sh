#!/usr/bin/env bash
# Stops the test servers that the service scripts started (each kills only its recorded pids).
# Usage: scripts/services/stop-all.sh [service ...]
#   services: redis redis-cluster mongodb elasticsearch (default: all of them)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/scripts/services"
ALL=(redis redis-cluster mongodb elasticsearch)

services=("$@")
((${#services[@]})) || services=("${ALL[@]}")
for s in "${services[@]}"; do
  case " ${ALL[*]} " in
    *" $s "*) ;;
    *) echo "stop-all: unknown service '$s' (known: ${ALL[*]})" >&2; exit 2 ;;
  esac
done

failed=0
for s in "${services[@]}"; do
  script="$DIR/$s.sh"
  if [[ ! -f "$script" ]]; then
    echo "$s: skipped ($script does not exist)"
    continue
  fi
  bash "$script" stop || { echo "$s: stop FAILED" >&2; failed=1; }
done
exit "$failed"
