#!/usr/bin/env bash
# Runs every suite (deploy check, OpenAPI lint, import rules, typecheck, workerd tests, end-to-end and browser tests against wrangler dev,
# the reliability run) and ends
# with one line "N passed, N failed" summed from vitest's JSON reports, the line CI reads.
set -u
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
out=test-output
mkdir -p "$out"
status=0
checks_failed=0
# First, so a bundle or production config that would not deploy fails CI (.ci/run runs this
# script); it counts as one test in the summary line.
deploy_check_passed=0
if npm run -s deploy:check; then deploy_check_passed=1; else status=1; checks_failed=$((checks_failed + 1)); fi
# The published contract: /openapi.json, generated offline, under Redocly's recommended rules
# (redocly.yaml); counted the same way.
lint_openapi_passed=0
if npm run -s lint:openapi; then lint_openapi_passed=1; else status=1; checks_failed=$((checks_failed + 1)); fi
# The README names every route (from the document lint:openapi just wrote), frame, live event,
# binding, variable and script (scripts/check-readme.mjs); counted the same way.
lint_readme_passed=0
if npm run -s lint:readme; then lint_readme_passed=1; else status=1; checks_failed=$((checks_failed + 1)); fi
# The floors' import rules (.dependency-cruiser.cjs, docs/architecture.md): no import circles,
# nothing from durable-objects/ into workers/, platform/ and protocol/ import nothing above them.
lint_deps_passed=0
if npm run -s lint:deps; then lint_deps_passed=1; else status=1; checks_failed=$((checks_failed + 1)); fi
npm run -s typecheck || { status=1; checks_failed=$((checks_failed + 1)); }
# Workerd files run in a few vitest processes, not one each: a process's start-up (node, vite,
# the transform of our modules) was most of a small file's time. Within a batch every file still
# gets its own workerd (vitest's default isolation: fresh storage, alarms and queues per file),
# so a file sees nothing another file left. Files used to run one process each because the pool
# once hung between files that ended with alarms and queue deliveries in flight; test/workerd/
# drain-rooms.ts drains them at every file's end since, and batches of all these files ran
# through without a hang. Should one hang again, the batch hits its timeout and its files run
# again one process each, so the count stays exact and CI shows which batch it was.
reports=()
# Files that open no socket and wait on no clock: they run two at a time. Every other file
# (sockets, alarms, slow-reader clocks, term-matcher's time bounds) runs alone, so no neighbour
# can stretch its timings.
paired=" alarm-jobs analytics auth bad-input chat-modes erased-bans checkpoint counts-query dev-bench-guard dev-faults dev-lake dev-metering dev-token display-name identity-config likes mini-mirrors moderation-policy modlog openapi outbox-timing protocol-growth report-triage room-name room-schema send-window terms user-index user-lake-key "
# At most this many files a batch: the size bounds what a hang would cost (the batch's files
# rerun alone); each further batch costs only one more start-up (about 5 s).
batch_max=12
run_workerd_file() {
  local name
  name=$(basename "$1" .test.ts)
  timeout 600 npx vitest run "$1" --reporter=default --reporter=json --outputFile.json="$out/workerd-$name.json" 2>&1 | tee "$out/workerd-$name.log"
  return "${PIPESTATUS[0]}"
}
# run_workerd_batch <name> <files at once> <file>...
run_workerd_batch() {
  local name=$1 workers=$2
  shift 2
  rm -f "$out/workerd-$name.json"
  timeout 900 npx vitest run "$@" --maxWorkers="$workers" --reporter=default --reporter=json --outputFile.json="$out/workerd-$name.json" 2>&1 | tee "$out/workerd-$name.log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 124 ]; then
    echo "workerd batch $name timed out; its files run again one process each"
    rm -f "$out/workerd-$name.json"
    rc=0
    local file
    for file in "$@"; do
      reports+=("workerd-$(basename "$file" .test.ts)")
      run_workerd_file "$file" || rc=1
    done
  else
    reports+=("workerd-$name")
  fi
  return "$rc"
}
alone=()
pairs=()
for file in test/workerd/*.test.ts; do
  name=$(basename "$file" .test.ts)
  # Fuzz, abuse and fault files run once, in the reliability run below.
  case "$name" in fuzz-* | abuse-* | fault-*) continue ;; esac
  case "$paired" in *" $name "*) pairs+=("$file") ;; *) alone+=("$file") ;; esac
done
# run_workerd_batches <kind> <files at once> <file>...: as few batches as batch_max allows, of even size.
run_workerd_batches() {
  local kind=$1 workers=$2
  shift 2
  local files=("$@") rc=0 i
  local count=$(((${#files[@]} + batch_max - 1) / batch_max))
  [ "$count" -gt 0 ] || return 0
  local size=$(((${#files[@]} + count - 1) / count))
  for ((i = 0; i < ${#files[@]}; i += size)); do
    run_workerd_batch "$kind-$((i / size + 1))" "$workers" "${files[@]:i:size}" || rc=1
  done
  return "$rc"
}
run_workerd_batches alone 1 "${alone[@]}" || status=1
run_workerd_batches paired 2 "${pairs[@]}" || status=1
timeout 900 npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json="$out/e2e.json" || status=1
# The live page in chromium (builds client/web first; screenshots in test-output/screenshots).
timeout 900 npx vitest run --config vitest.browser.config.ts --reporter=default --reporter=json --outputFile.json="$out/browser.json" || status=1
# Fuzz, abuse, crash, queue-fault and socket-flood tests at CI size, and their table
# (docs/reliability.md; the soak runs in `npm run test:reliability`).
bash scripts/test-reliability.sh --ci || status=1
if [ -s "$out/reliability-reports.list" ]; then
  while read -r name; do reports+=("$name"); done < "$out/reliability-reports.list"
else
  echo "the reliability run listed no reports"
  checks_failed=$((checks_failed + 1))
fi
node -e '
const fs = require("node:fs");
let passed = Number(process.argv[2]), failed = Number(process.argv[1]);
const failures = [];
// The first line, plus what a property-based failure says below it (fast-check puts the failing
// input and the inner error there), so a rare counterexample survives in CI'"'"'s tail.
const summary = (message) => {
  const lines = String(message ?? "").split("\n");
  const extra = lines.filter((line) => /^\s*(Counterexample|Got error|Got AssertionError|Caused by)/.test(line)).map((line) => line.trim().slice(0, 600));
  return [lines[0].slice(0, 300), ...extra].join("\n    ");
};
for (const file of [...process.argv.slice(3), "e2e", "browser"]) {
  const path = `test-output/${file}.json`;
  if (!fs.existsSync(path)) { failed += 1; console.error(`no report from the ${file} suite`); continue; }
  const report = JSON.parse(fs.readFileSync(path, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numTotalTestSuites > 0 && report.success === false && report.numFailedTests === 0 ? 1 : 0);
  for (const suite of report.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      if (test.status === "failed") failures.push(`${file}: ${test.fullName}: ${summary(test.failureMessages?.[0])}`);
    }
    if (suite.status === "failed" && !(suite.assertionResults ?? []).some((test) => test.status === "failed")) {
      failures.push(`${file}: ${suite.name}: ${String(suite.message ?? "").split("\n")[0].slice(0, 300)}`);
    }
  }
}
// CI keeps only the tail of this run, so the failures are named here, just above the last line.
if (failures.length > 0) console.log(["failed tests:", ...failures.map((line) => `  ${line}`)].join("\n"));
console.log(`${passed} passed, ${failed} failed`);
' "$checks_failed" "$((deploy_check_passed + lint_openapi_passed + lint_readme_passed + lint_deps_passed))" "${reports[@]}"
exit $status
