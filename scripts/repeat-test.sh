#!/usr/bin/env bash
# Hunts a flaky test: runs `npx vitest run <args>` up to RUNS times and stops at the first
# failure, with wrangler dev at log level `log`. Each run keeps its vitest output, the dev
# server's whole log and (browser tests) every page's console lines and socket frames in
# test-output/repeat/<run>/. Example:
#   scripts/repeat-test.sh 30 --config vitest.browser.config.ts test/browser/live-page.test.ts -t "network is cut"
set -uo pipefail
runs="${1:?usage: scripts/repeat-test.sh RUNS <vitest args...>}"
shift
cd "$(dirname "$0")/.."
out="test-output/repeat"
rm -rf "$out"
export DEV_LOG_LEVEL=log WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
for run in $(seq 1 "$runs"); do
  dir="$out/$run"
  mkdir -p "$dir"
  DEV_LOG_FILE="$PWD/$dir/dev.log" PAGE_LOG_FILE="$PWD/$dir/page.log" npx vitest run "$@" > "$dir/vitest.log" 2>&1
  status=$?
  echo "run $run: exit $status"
  if [ "$status" -ne 0 ]; then
    echo "failed; read $dir/ (vitest.log, dev.log, page.log)"
    exit 1
  fi
done
echo "$runs runs passed"
