#!/usr/bin/env bash
# Installs (if needed) and starts the test servers, then prints their env lines.
# Usage: scripts/services/start-all.sh [service ...]
#        scripts/services/start-all.sh --list   (prints the services that have a script, one a line)
#   services: redis redis-cluster mongodb elasticsearch (default: all of them)
# elasticsearch is skipped when scripts/services/elasticsearch.sh does not exist.
# Exits 1 when any requested service fails; the env lines are printed for the ones that are up.
# Nothing is exported: eval or copy the KV_* lines that it prints.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/scripts/services"
ALL=(redis redis-cluster mongodb elasticsearch)

env_line() {
  case "$1" in
    redis) echo "KV_REDIS_URL=redis://127.0.0.1:6390" ;;
    redis-cluster) echo "KV_REDIS_CLUSTER_NODES=127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103" ;;
    mongodb) echo "KV_MONGODB_URL=mongodb://127.0.0.1:27018" ;;
    elasticsearch) echo "KV_ELASTICSEARCH_URL=http://127.0.0.1:${KV_ELASTICSEARCH_PORT:-9201}" ;;
  esac
}

if [[ "${1:-}" == --list ]]; then
  for s in "${ALL[@]}"; do [[ -f "$DIR/$s.sh" ]] && echo "$s"; done
  exit 0
fi

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

services=("$@")
((${#services[@]})) || services=("${ALL[@]}")
for s in "${services[@]}"; do
  case " ${ALL[*]} " in
    *" $s "*) ;;
    *) echo "start-all: unknown service '$s' (known: ${ALL[*]})" >&2; exit 2 ;;
  esac
done

summary=()
envs=()
failed=0
for s in "${services[@]}"; do
  script="$DIR/$s.sh"
  if [[ ! -f "$script" ]]; then
    summary+=("$s: skipped ($script does not exist)")
    continue
  fi
  t0=$EPOCHREALTIME
  echo "--- $s: install"
  if ! bash "$script" install; then
    summary+=("$s: FAILED at install")
    failed=1
    continue
  fi
  t1=$EPOCHREALTIME
  echo "--- $s: start"
  if ! bash "$script" start; then
    summary+=("$s: FAILED at start (see .services/$s.log)")
    failed=1
    continue
  fi
  t2=$EPOCHREALTIME
  summary+=("$s: up (install $(elapsed "$t0" "$t1")s, start $(elapsed "$t1" "$t2")s) $(env_line "$s")")
  envs+=("$(env_line "$s")")
done

echo "=== services"
printf '%s\n' "${summary[@]}"
if ((${#envs[@]})); then
  echo "=== env"
  printf '%s\n' "${envs[@]}"
fi
exit "$failed"
