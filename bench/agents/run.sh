#!/usr/bin/env bash
# Issue 14's figures: a drain served by `drain serve --executor agent` on a fresh SQLite backlog, its
# phases run by real `drain agent` processes. The slot turnaround is the time from one phase's
# executor exit to the next phase's executor start in the same slot (what a freed slot waits for:
# the result's report, the drain's bookkeeping, its next pick, the queue and the claim), taken from
# the executors' own clock; printed as the median and p95 over every slot of every agent, with each
# agent's own summary and the drain's wall time.
#   bench/agents/run.sh [PHASES] [AGENTS] [SLOTS_PER_AGENT] [PHASE_SECONDS]   default: 60 2 2 0.5
# Needs Azurite reachable as AzureWebJobsStorage (default: the one ./drain starts) and python3 (the executor).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
phases=${1:-60}; agents=${2:-2}; slots=${3:-2}; seconds=${4:-0.5}
work="$(mktemp -d /tmp/drain-agents-bench-XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite:///$work/autopack.db" DURABLE_TASK_HUB_NAME="agbench$RANDOM$RANDOM" Snapshots__ContainerName="agbench-$RANDOM$RANDOM"
export DRAIN_API_KEY=bench-op DRAIN_AGENT_STATE="$work/state"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$root/drain" db init >/dev/null
python3 - "$work/autopack.db" "$phases" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2]); runs = max(1, n // 2)
for i in range(n):
    run = "run%03d" % (i % runs)
    db.execute("INSERT OR IGNORE INTO runs (id, state, created_at, updated_at) VALUES (?, 'RUN_CREATED', '2026-01-01 00:00:00', '2026-01-01 00:00:00')", (run,))
    db.execute("INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) VALUES (?, ?, ?, ?, 'FAILED', 'ImportError: bench', '2026-01-01 00:00:00', '2026-01-01 00:00:00')", ("p%03d" % i, run, i, "p%03d" % i))
db.commit()
PY
cat > "$work/phase.py" <<PY
import sqlite3, sys, time
def note(kind):
    with open("$work/events.log", "a") as f:
        f.write("%s %s %.6f\\n" % (kind, sys.argv[3], time.time()))
note("start")
time.sleep($seconds)
db = sqlite3.connect("$work/autopack.db", timeout=60)
db.execute("UPDATE phases SET state='COMPLETE' WHERE run_id=? AND phase_id=?", (sys.argv[1], sys.argv[2]))
db.commit()
note("exit")
PY
"$root/drain" serve --port "$port" --executor agent --key bench-op > "$work/serve.out" 2> "$work/serve.err" & pids+=($!)
until grep -q "Serving the drain API" "$work/serve.out" 2>/dev/null; do sleep 0.2; done
for a in $(seq 1 "$agents"); do
  env --default-signal=INT "$root/drain" agent --endpoint "http://127.0.0.1:$port" --key bench-op --slots "$slots" --name "bench$a" \
    --executor-command "python3 $work/phase.py {run_id} {phase_id} bench$a-{slot}" > "$work/agent$a.out" 2>&1 & pids+=($!)
done
started=$(date +%s.%N)
"$root/drain" --endpoint "http://127.0.0.1:$port" --batch-size "$phases" --parallel $((agents * slots)) > "$work/drain.out" 2>&1 || { cat "$work/drain.out"; exit 1; }
ended=$(date +%s.%N)
for a in $(seq 1 "$agents"); do kill -INT "${pids[$a]}"; done
for a in $(seq 1 "$agents"); do wait "${pids[$a]}" || true; done
grep -h "slot turnaround" "$work"/agent*.out
python3 - "$started" "$ended" "$phases" "$work/events.log" <<'PY'
import sys, statistics, collections
started, ended, phases = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
slots = collections.defaultdict(list)
for line in open(sys.argv[4]):
    kind, slot, at = line.split()
    slots[slot].append((float(at), kind))
waits = []
for events in slots.values():
    events.sort()
    for (t0, k0), (t1, k1) in zip(events, events[1:]):
        if k0 == "exit" and k1 == "start":
            waits.append((t1 - t0) * 1000)
waits.sort()
if waits:
    p95 = waits[min(len(waits) - 1, max(0, int(0.95 * len(waits) + 0.999) - 1))]
    print("slot turnaround over all slots: median %.0f ms, p95 %.0f ms, max %.0f ms (%d samples)" % (statistics.median(waits), p95, waits[-1], len(waits)))
print("drain wall time %.1f s for %d phases (%.2f s a phase)" % (ended - started, phases, (ended - started) / phases))
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
