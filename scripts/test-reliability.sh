#!/usr/bin/env bash
# `npm run test:reliability [-- --long | --ci]`: fuzz and abuse tests in workerd (one vitest process,
# a workerd per file), then the node-side crash, queue-fault and soak tests against wrangler dev, then the
# table of load held, faults survived, bad inputs refused and writes kept (docs/reliability.md).
# Reports: test-output/reliability-*.json, listed in test-output/reliability-reports.list for
# scripts/test-all.sh. Exit status is non-zero when any suite failed.
set -u
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
for arg in "$@"; do
  case "$arg" in
    --long) export RELIABILITY_LONG=1 ;;
    # `npm test` (and so CI): the same checks at a size that keeps the whole run under 30
    # minutes. The flood opens 3,000 sockets (still six waves of 500, past what wrangler dev
    # holds at once); the soak, which is load over time rather than a check of behaviour, is
    # left to `npm run test:reliability`.
    --ci) export SOCKET_FLOOD_TOTAL="${SOCKET_FLOOD_TOTAL:-3000}" RELIABILITY_SKIP_SOAK=1 ;;
    *) echo "unknown option $arg (--long or --ci)" >&2; exit 2 ;;
  esac
done
# The socket flood opens thousands of sockets from one process.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
out=test-output
mkdir -p "$out"
rm -f "$out"/reliability-*
status=0
list="$out/reliability-reports.list"
: > "$list"

# Runs one vitest invocation, keeps its output for the table and records its report name;
# answers vitest's exit status (124 when it timed out).
run_suite() {
  local name=$1 limit=$2
  shift 2
  echo "$name" >> "$list"
  timeout "$limit" npx vitest run "$@" --silent=false --reporter=default --reporter=json \
    --outputFile.json="$out/$name.json" 2>&1 | tee "$out/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  return "$rc"
}

shopt -s nullglob
# Fuzz, abuse and fault files in workerd (test-all.sh leaves them to this run); whichever exist
# run in one vitest process, one file at a time, each in a workerd of its own (as in
# test-all.sh: a process's start-up was a third of a small file's time). Should that process
# hang, its timeout ends it and each file runs again in a process of its own.
workerd_files=(test/workerd/fuzz-*.test.ts test/workerd/abuse-*.test.ts test/workerd/fault-*.test.ts)
if [ ${#workerd_files[@]} -gt 0 ]; then
  status_before=$status
  rc=0
  run_suite reliability-workerd 900 "${workerd_files[@]}" --maxWorkers=1 || rc=$?
  if [ "$rc" -eq 124 ]; then
    echo "the workerd reliability batch timed out; its files run again one process each"
    sed -i '/^reliability-workerd$/d' "$list"
    rm -f "$out/reliability-workerd.json" "$out/reliability-workerd.log"
    status=$status_before
    for file in "${workerd_files[@]}"; do
      run_suite "reliability-workerd-$(basename "$file" .test.ts)" 600 "$file"
    done
  fi
fi
node_tests=(test/reliability/*.test.ts)
if [ ${#node_tests[@]} -gt 0 ]; then
  limit=900
  [ "${RELIABILITY_LONG:-0}" = 1 ] && limit=1800
  run_suite reliability-node "$limit" --config vitest.reliability.config.ts
fi
shopt -u nullglob

node scripts/reliability-table.mjs "$out"/reliability-*.log || status=1
exit $status
