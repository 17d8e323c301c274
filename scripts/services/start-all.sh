#!/usr/bin/env bash
# Installs (if needed) and starts the test servers, then prints their env lines.
# Usage: scripts/services/start-all.sh [service ...]
#        scripts/services/start-all.sh --list   (prints the services that have a script, one a line)
#   services: KV_SERVICES in lib.sh (default: all of them that have a script)
# elasticsearch is skipped when scripts/services/elasticsearch.sh does not exist.
# A failed start is tried once more. Exits 1 when any requested service still fails; the env
# lines are printed for the ones that are up.
# Nothing is exported: eval or copy the KV_* lines that it prints (each script's `env` command).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${1:-}" == --list ]]; then
  for s in "${KV_SERVICES[@]}"; do if [[ -f "$SVC_DIR/$s.sh" ]]; then echo "$s"; fi; done
  exit 0
fi

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

svc_select start-all "$@"

summary=()
envs=()
failed=0
for s in "${SERVICES[@]}"; do
  script="$SVC_DIR/$s.sh"
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
  # A start that failed is tried once more: one lost start (a port still held by a process that is
  # going away, a slow machine) must not cost a whole run. Its first failure stays in the output.
  if ! bash "$script" start && ! { echo "--- $s: start failed; trying once more" && bash "$script" start; }; then
    summary+=("$s: FAILED at start, twice (see .services/$s.log)")
    failed=1
    continue
  fi
  t2=$EPOCHREALTIME
  env_line="$(bash "$script" env)"
  summary+=("$s: up (install $(elapsed "$t0" "$t1")s, start $(elapsed "$t1" "$t2")s) $env_line")
  envs+=("$env_line")
done

echo "=== services"
printf '%s\n' "${summary[@]}"
if ((${#envs[@]})); then
  echo "=== env"
  printf '%s\n' "${envs[@]}"
fi
exit "$failed"
