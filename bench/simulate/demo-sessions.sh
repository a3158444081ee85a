#!/usr/bin/env bash
# The demo backlog's sessions that docs/simulation.md simulates with --from-sessions
# (bench/simulate/demo-sessions/): real durable drains (local durable host, Azurite) of the demo
# backlog with the demo's own settings (`drain demo`: demo executor at time scale 0.2, phase timeout
# 8 s, batch 10, max fingerprint repeats 2):
#   session-1, session-2: a fresh backlog drained again and again with the ledger (from the third
#                         drain on nothing is eligible: every run is stopped for 72 h; those empty
#                         sessions are left out);
#   session-9..11:        another fresh backlog drained three times with --no-ledger and batch 54.
#   bench/simulate/demo-sessions.sh [OUT_DIR]   (default: .workspace/demo-sessions)
# Needs Azurite as AzureWebJobsStorage (default: the one ./drain starts).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
out=${1:-$root/.workspace/demo-sessions}
mkdir -p "$out"
export DURABLE_TASK_HUB_NAME="demosessions$RANDOM" Snapshots__ContainerName="demo-sessions-$RANDOM$RANDOM"
exe="$root/src/DrainFunctions.DemoExecutor/bin/Release/net10.0/DrainFunctions.DemoExecutor.dll"
demo_flags=(--executor process --executor-command "dotnet $exe --run-id {run_id} --phase-id {phase_id} --time-scale 0.2"
            --phase-timeout-seconds 8 --max-fingerprint-repeats 2 --json)
fresh_backlog() {
  local db="$root/.workspace/demo-sessions-$1.db"
  rm -f "$db" "$db-wal" "$db-shm"
  export DATABASE_URL="sqlite:///$db"
  "$root/drain" db init >/dev/null
  "$root/drain" db seed-demo >/dev/null
}
fresh_backlog ledger
for i in 1 2; do "$root/drain" "${demo_flags[@]}" --batch-size 10 > "$out/session-$i.json" 2>/dev/null || true; done
fresh_backlog noledger
for i in 9 10 11; do "$root/drain" "${demo_flags[@]}" --batch-size 54 --no-ledger > "$out/session-$i.json" 2>/dev/null || true; done
ls "$out"
