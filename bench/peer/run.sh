#!/usr/bin/env bash
# The figures of issue 17's table for this checkout, against Autopack's Python tool, with the shared
# peer-bench kit (../shared/peer-bench by default; its README says what each case measures).
#   bench/peer/run.sh [PAIRS] [CASE...]      default: 3 pairs of dry1k dry10k real20 dry1k-cold
#   bench/peer/run.sh --summary              only the table, from the results already there
# Prints the kit's summary, then one line per row of the issue's table (medians of the pairs; the ratio
# is the median of the per-pair ours/peer ratios). Results accumulate in .workspace/peer-bench/results/
# (delete a CASE.tsv there to start that case afresh). dry1k-cold needs nothing listening on the kit's
# blob port (24000); the warm cases start and stop their own Azurite there when none runs.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
kit="${PEER_BENCH_KIT:-$root/../shared/peer-bench}"
[ -x "$kit/bench.sh" ] || { echo "run.sh: the peer-bench kit is not at $kit (set PEER_BENCH_KIT)" >&2; exit 1; }
summary_only=
if [ "${1:-}" = --summary ]; then summary_only=1; shift; fi
pairs=${1:-3}; shift || true
cases=("$@"); [ ${#cases[@]} -gt 0 ] || cases=(dry1k dry10k real20 dry1k-cold)
cd "$root"
# The kit's dpkg -L | grep -m1 check can lose to SIGPIPE under pipefail on a busy machine: retry it.
if [ -n "$summary_only" ]; then cases=(); else
  for try in 1 2 3 4 5; do "$kit/setup.sh" >&2 && break; [ "$try" -lt 5 ] || exit 1; done
fi
for c in "${cases[@]}"; do
  # The kit's dpkg -L | grep -m1 check can lose to SIGPIPE under pipefail on a busy machine: retry that alone.
  for _ in 1 2 3 4 5; do
    if out=$("$kit/bench.sh" "$c" "$pairs" 2>&1); then break; fi
    grep -q "python3-sqlalchemy is not installed" <<<"$out" || { printf '%s\n' "$out" >&2; exit 1; }
  done
  printf '%s\n' "$out" >&2
done
[ -n "$summary_only" ] || { "$kit/summarize.py"; echo; }
echo "issue 17 rows (ours / peer, median of pairs; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$root/.workspace/peer-bench/results" <<'PY'
import csv, statistics, sys, os
res = sys.argv[1]
def rows(case):
    p = os.path.join(res, case + ".tsv")
    if not os.path.exists(p): return None
    with open(p) as f: return list(csv.DictReader(f, delimiter="\t"))
def pairs(case, col, f=float):
    r = rows(case)
    if not r: return None
    peer = {x["rep"]: f(x[col]) for x in r if x["tool"] == "peer" and f(x[col]) >= 0}
    ours = {x["rep"]: f(x[col]) for x in r if x["tool"] == "ours" and f(x[col]) >= 0}
    reps = sorted(set(peer) & set(ours))
    if not reps: return None
    return statistics.median(peer[k] for k in reps), statistics.median(ours[k] for k in reps), statistics.median(ours[k] / peer[k] for k in reps if peer[k] > 0)
def show(label, case, col, unit, scale=1.0, per=1):
    v = pairs(case, col)
    if v is None: print(f"  {label:<58} (not measured)"); return
    p, o, ratio = v
    print(f"  {label:<58} peer {p*scale/per:9.3f} {unit:<3} ours {o*scale/per:9.3f} {unit:<3} ratio {ratio:5.2f}")
show("--dry-run --batch-size 20, 1k FAILED, Azurite running", "dry1k", "wall_s", "s")
show("the same, ./drain starting Azurite itself", "dry1k-cold", "wall_s", "s")
show("dry run, 10k FAILED", "dry10k", "wall_s", "s")
show("command start to the first executor start", "real20", "first_exec_s", "s")
show("peak memory, real drain of 20", "real20", "maxrss_kb", "MB", 1/1024)
show("storage growth per phase (ours: the Azurite folder)", "real20", "store_delta_bytes", "KB", 1/1024, 20)
r = rows("real20")
if r:
    def ovh(tool):
        v = [(float(x["wall_s"]) - 20 * float(x["standalone_exec_med_s"])) / 20 for x in r if x["tool"] == tool and float(x["standalone_exec_med_s"]) >= 0]
        return statistics.median(v) if v else None
    p, o = ovh("peer"), ovh("ours")
    if p and o: print(f"  {'controller overhead per phase, 20 phases, instant executor':<58} peer {p*1000:9.0f} ms  ours {o*1000:9.0f} ms  ratio {o/p:5.2f}")
PY
