#!/usr/bin/env bash
# First executor start, this checkout against another one (a worktree of an earlier commit, say):
#   bench/first-executor/run.sh OTHER_CHECKOUT [PAIRS]        (default 8 pairs)
# Measured as the peer-bench kit measures its "first executor" row (the command's start to the kit's
# stand-in executor's first line), with less noise for an A/B: `drain` run through its own
# executable (each checkout's ./drain builds it first; no build is timed), a batch of 1, the two
# checkouts alternating (ABBA), one private Azurite, a fresh snapshot container per run. Prints
# every run, then each side's median and the ratio of the medians (this / other).
# Needs the kit's set-up and its 1k template: run ../shared/peer-bench/setup.sh and one kit case
# (bench/peer/run.sh 1 real20) first.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
other="$(cd "${1:?usage: bench/first-executor/run.sh OTHER_CHECKOUT [PAIRS]}" && pwd)"
pairs=${2:-8}
# shellcheck source=/dev/null
source "$root/bench/lib/ab.sh"
ab_setup "$root" "$other"
export DURABLE_TASK_HUB_NAME="firstexec$RANDOM"

one() {  # one SIDE RUN: prints "side run seconds"
  local side=$1 run=$2 start first
  cp "$template" "$work/w.db"; rm -f "$work/w.db-wal" "$work/w.db-shm" "$work/exec.log"
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  DATABASE_URL="sqlite:///$work/w.db" PERF_EXEC_LOG="$work/exec.log" Snapshots__ContainerName="firstexec-$side-$run-$$" DRAIN_REPO_ROOT="${dir[$side]}" \
    ${exe[$side]} --batch-size 1 --phase-timeout-seconds 60 --executor process \
    --executor-command "$PY $PEERWS/scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force" >"$work/$side.$run.out" 2>&1 \
    || { echo "first-executor: the $side run $run failed:" >&2; tail -5 "$work/$side.$run.out" >&2; exit 1; }
  first=$(head -1 "$work/exec.log" | awk -v s="$start" '{printf "%.3f", ($1 - s) / 1e9}')
  echo "$side $run $first"
}

for run in $(seq 1 "$pairs"); do
  if [ $((run % 2)) = 1 ]; then one this "$run"; one other "$run"; else one other "$run"; one this "$run"; fi
done | tee "$work/runs.txt"
python3 - "$work/runs.txt" "$(git -C "$root" describe --always --dirty)" "$(git -C "$other" describe --always --dirty 2>/dev/null || echo other)" <<'PY'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
med = {side: statistics.median(float(r[2]) for r in runs if r[0] == side) for side in ("this", "other")}
print(f"first executor, median of {len(runs) // 2} runs each: this ({sys.argv[2]}) {med['this']:.3f} s, "
      f"other ({sys.argv[3]}) {med['other']:.3f} s, ratio {med['this'] / med['other']:.2f}")
PY
