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
# One vitest process per workerd test file: when a file ends with alarms and queue deliveries
# still in flight, the pool can hang before the next file (seen after the realtime merge; the
# cause is not found yet), while every file run on its own exits cleanly.
reports=()
# Files that open no socket and wait on no clock: most of their time is vitest's start-up, so
# they run two at a time. Every other file (sockets, alarms, slow-reader clocks) runs alone, so
# no neighbour can stretch its timings.
paired=" alarm-jobs analytics auth bad-input chat-modes erased-bans checkpoint counts-query dev-bench-guard dev-faults dev-lake dev-metering dev-token display-name identity-config likes mini-mirrors openapi protocol-growth room-schema send-window user-index user-lake-key "
run_workerd_file() {
  local name
  name=$(basename "$1" .test.ts)
  timeout 600 npx vitest run "$1" --reporter=default --reporter=json --outputFile.json="$out/workerd-$name.json" > "$out/workerd-$name.log" 2>&1
  local rc=$?
  cat "$out/workerd-$name.log"
  return $rc
}
export -f run_workerd_file
export out
pairs=()
for file in test/workerd/*.test.ts; do
  name=$(basename "$file" .test.ts)
  # Fuzz, abuse and fault files run once, in the reliability run below.
  case "$name" in fuzz-* | abuse-* | fault-*) continue ;; esac
  reports+=("workerd-$name")
  case "$paired" in *" $name "*) pairs+=("$file"); continue ;; esac
  run_workerd_file "$file" || status=1
done
printf '%s\n' "${pairs[@]}" | xargs -P 2 -I{} bash -c 'run_workerd_file "$1"' _ {} || status=1
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
