#!/usr/bin/env bash
# The test command: restores, builds, starts a private PostgreSQL and Azurite (installing them
# when missing, and Chromium for the dashboard's browser tests), runs every test project of the solution, stops what it started, and closes with
# one line "tests: N passed, N failed".
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=services.sh
source "$REPO_ROOT/scripts/services.sh"
trap stop_services EXIT

dotnet restore DrainFunctions.sln --nologo -v q
dotnet build DrainFunctions.sln --no-restore --nologo -v q -c Release -clp:ErrorsOnly
# ./drain's own (ReadyToRun) build, once, before tests start it from several places at once.
./drain --version >/dev/null

start_postgres
start_azurite
ensure_chromium_installed

results="$(mktemp -d /tmp/drainfunctions-results.XXXXXX)"
set +e
# One test project at a time: the end-to-end suites start real hosts and processes, and 2 cores
# shared by all of them made timing-sensitive tests flaky.
dotnet test DrainFunctions.sln --no-build -c Release --nologo -v q -m:1 \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=3000000 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
set -e

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  # Name every failed test, so that a red CI run says which one without the .trx file.
  grep -o '<UnitTestResult [^>]*outcome="Failed"' "$trx" | sed -n 's/.*testName="\([^"]*\)".*/FAILED: \1/p' || true
  if grep -q 'outcome="Failed"' "$trx"; then
    sed -n '/<Message>/,/<\/Message>/p' "$trx" | head -n 40 || true
  fi
done
rm -rf "$results"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "no tests ran" >&2; status=1; fi
echo "tests: $passed passed, $failed failed"
exit "$status"
