#!/usr/bin/env bash
# The drain's time between two phases, this checkout against another one (a worktree of an earlier commit, say):
#   bench/phase-gap/run.sh OTHER_CHECKOUT [PAIRS]        (default 6 pairs)
# A real drain of 20 with the peer-bench kit's instant stand-in executor, which logs its own start
# and end: the gap is the time from one executor's end to the next one's start (the controller's
# work per phase plus the stand-in's Python start, the same for both sides). Each run gets a fresh
# task hub (no timers of earlier runs fall due in it) and a fresh snapshot container, on one
# private Azurite; the two checkouts alternate (ABBA); no build is timed. Prints every run (its
# median gap, its first executor start, its wall time), then each side's median of the runs'
# medians and their ratio (this / other).
# Needs the kit's set-up and its 1k template: run ../shared/peer-bench/setup.sh and one kit case
# (bench/peer/run.sh 1 real20) first.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
other="$(cd "${1:?usage: bench/phase-gap/run.sh OTHER_CHECKOUT [PAIRS]}" && pwd)"
pairs=${2:-6}
# shellcheck source=/dev/null
source "$root/bench/lib/ab.sh"
ab_setup "$root" "$other"

one() {  # one SIDE RUN: prints "side run median_gap_ms first_s wall_s"
  local side=$1 run=$2 start end
  cp "$template" "$work/w.db"; rm -f "$work/w.db-wal" "$work/w.db-shm" "$work/exec.log"
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  DATABASE_URL="sqlite:///$work/w.db" PERF_EXEC_LOG="$work/exec.log" Snapshots__ContainerName="phasegap-$side-$run-$$" \
    DURABLE_TASK_HUB_NAME="phasegap${side}${run}x$$" DRAIN_REPO_ROOT="${dir[$side]}" \
    ${exe[$side]} --batch-size 20 --phase-timeout-seconds 60 --executor process \
    --executor-command "$PY $PEERWS/scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force" >"$work/$side.$run.out" 2>&1 \
    || { echo "phase-gap: the $side run $run failed:" >&2; tail -5 "$work/$side.$run.out" >&2; exit 1; }
  end=$(date +%s%N)
  python3 - "$work/exec.log" "$start" "$end" "$side" "$run" <<'PY'
import statistics, sys
log, start, end, side, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
spans = [(int(f[0]), int(f[1])) for f in (line.split() for line in open(log))]
gaps = [(spans[i + 1][0] - spans[i][1]) / 1e6 for i in range(len(spans) - 1)]
print(f"{side} {run} {statistics.median(gaps):.1f} {(spans[0][0] - start) / 1e9:.3f} {(end - start) / 1e9:.2f}")
PY
}

echo "side run median_gap_ms first_executor_s wall_s"
for run in $(seq 1 "$pairs"); do
  if [ $((run % 2)) = 1 ]; then one this "$run"; one other "$run"; else one other "$run"; one this "$run"; fi
done | tee "$work/runs.txt"
python3 - "$work/runs.txt" "$(git -C "$root" describe --always --dirty)" "$(git -C "$other" describe --always --dirty 2>/dev/null || echo other)" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1]) if not line.startswith("side")]
def med(side, col): return statistics.median(float(r[col]) for r in runs if r[0] == side)
n = len(runs) // 2
print(f"gap between phases, median of {n} runs' medians: this ({sys.argv[2]}) {med('this', 2):.1f} ms, "
      f"other ({sys.argv[3]}) {med('other', 2):.1f} ms, ratio {med('this', 2) / med('other', 2):.2f}")
print(f"wall of the drain of 20, median: this {med('this', 4):.2f} s, other {med('other', 4):.2f} s, ratio {med('this', 4) / med('other', 4):.2f}")
PY
