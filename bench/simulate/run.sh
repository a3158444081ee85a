#!/usr/bin/env bash
# Issue 16's figures: `drain simulate` schedules over many seeds, one markdown table row per
# variant: successes per executor-hour, wasted executor-minutes and successes as the median
# [worst seed], and the change against the first variant per seed, median [min..max] (docs/simulation.md).
#   bench/simulate/run.sh VARIANT...          e.g.  bench/simulate/run.sh '' '--extend-on-progress'
# A VARIANT is the flags added to COMMON ('' = COMMON alone); the first is the baseline of the
# "vs" columns. Environment:
#   SEEDS   the seeds (default: 1 to 20); '-' runs once without --seed (for --from-sessions in COMMON)
#   COMMON  the flags of every run (default: --schedule 24 --batch-size 10 --ledger on --policy v2)
# Each run reads the first schedule row of `drain simulate --json` (the variant's policy, not the v1 baseline).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
seeds=${SEEDS:-$(seq -s ' ' 1 20)}
common=${COMMON:---schedule 24 --batch-size 10 --ledger on --policy v2}
[ $# -gt 0 ] || { echo "usage: bench/simulate/run.sh VARIANT... (e.g. '' '--extend-on-progress')" >&2; exit 2; }
work="$(mktemp -d /tmp/drain-simulate-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$root/drain" simulate --help >/dev/null  # builds once, before the loop
v=0
for variant in "$@"; do
  for seed in $seeds; do
    seed_flag=(); [ "$seed" = "-" ] || seed_flag=(--seed "$seed")
    # shellcheck disable=SC2086 # the flags are words on purpose
    "$root/drain" simulate "${seed_flag[@]}" $common $variant --json \
      | jq -c --arg seed "$seed" '.schedule.policies[0] | {seed: $seed, successes_per_hour, wasted_executor_minutes, successes, extensions: (.extensions // 0), extended_successes: (.extended_successes // 0)}' \
      >> "$work/$v.jsonl"
  done
  v=$((v + 1))
done
python3 - "$work" "$@" <<'PY'
import json, statistics, sys
work, variants = sys.argv[1], sys.argv[2:]
rows = [[json.loads(line) for line in open(f"{work}/{i}.jsonl")] for i in range(len(variants))]
base = rows[0]
def med(values): return statistics.median(values)
def pct(new, old): return (new - old) / old * 100 if old else 0.0
def spread(values, unit):
    m, lo, hi = med(values), min(values), max(values)
    return f"{m:+.1f}{unit} [{lo:+.1f}..{hi:+.1f}]" if unit else f"{m:+g} [{lo:+g}..{hi:+g}]"
print("| variant | successes per executor-hour | wasted executor-minutes | successes | extensions (succeeded) | vs first: successes/h | vs first: wasted | vs first: successes |")
print("|---|---|---|---|---|---|---|---|")
for name, runs in zip(variants, rows):
    sph = [r["successes_per_hour"] for r in runs]; waste = [r["wasted_executor_minutes"] for r in runs]; succ = [r["successes"] for r in runs]
    ext = sum(r["extensions"] for r in runs); ext_ok = sum(r["extended_successes"] for r in runs)
    cells = [f"`{name}`" if name else "(first: COMMON alone)",
             f"{med(sph):.2f} [{min(sph):.2f}]", f"{med(waste):.1f} [{max(waste):.1f}]", f"{med(succ):g} [{min(succ)}]", f"{ext} ({ext_ok})"]
    if runs is base:
        cells += ["—", "—", "—"]
    else:
        cells += [spread([pct(r["successes_per_hour"], b["successes_per_hour"]) for r, b in zip(runs, base)], " %"),
                  spread([pct(r["wasted_executor_minutes"], b["wasted_executor_minutes"]) for r, b in zip(runs, base)], " %"),
                  spread([r["successes"] - b["successes"] for r, b in zip(runs, base)], "")]
    print("| " + " | ".join(cells) + " |")
print()
print("Totals over the seeds (successes / wasted executor-minutes): " + "; ".join(
    f"{(name or 'first')}: {sum(r['successes'] for r in runs)} / {sum(r['wasted_executor_minutes'] for r in runs):.1f}" for name, runs in zip(variants, rows)))
PY
