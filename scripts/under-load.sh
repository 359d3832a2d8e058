#!/usr/bin/env bash
# Runs the tests N times in a row while another process keeps one core busy, and stops at the first
# failure. Shows that the suites wait for the states they assert (docs/testing.md).
#
#   scripts/under-load.sh 5                 # the whole `npm test`, five times
#   scripts/under-load.sh 20 test/e2e       # the browser suites, twenty times
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:?usage: scripts/under-load.sh <runs> [vitest filters...]}"
shift

node -e 'for (;;) {}' &   # one core busy for the whole check
loop=$!
trap 'kill "$loop" 2>/dev/null' EXIT

log="${TMPDIR:-/tmp}/croupier-under-load.log"
: >"$log"
for run in $(seq 1 "$runs"); do
  start=$(date +%s)
  if npx vitest run "$@" >>"$log" 2>&1; then
    echo "run $run/$runs passed in $(($(date +%s) - start)) s (load: $(cut -d' ' -f1 /proc/loadavg))"
  else
    echo "run $run/$runs FAILED after $(($(date +%s) - start)) s; see $log"
    exit 1
  fi
done
echo "all $runs runs passed under load; log in $log"
