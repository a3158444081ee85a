#!/usr/bin/env bash
# Sourced by the A/B benchmarks (bench/first-executor, bench/phase-gap): `ab_setup ROOT OTHER_CHECKOUT`
# sources the peer-bench kit's settings, checks its Python and 1k template, starts one private
# Azurite (stopped, with the work folder removed, on exit) and builds both checkouts' command lines.
# Then: $work (a scratch folder), $template, ${exe[this|other]} and ${dir[this|other]}, and the kit's
# $PY and $PEERWS; AzureWebJobsStorage and PYTHONPATH exported.
ab_setup() {
  local root=$1 other=$2
  KIT="${PEER_BENCH_KIT:-$root/../shared/peer-bench}"
  cd "$root"
  # shellcheck source=/dev/null
  source "$KIT/lib.sh"
  need_peer_python
  prepare_peer
  template="$OUT/db/t1000.db"
  [ -f "$template" ] || die "no template at $template: run bench/peer/run.sh 1 real20 once first"
  # shellcheck source=/dev/null
  source "$root/scripts/services.sh"
  work=$(mktemp -d "/tmp/$(basename "$(dirname "$0")").XXXXXX")
  trap 'stop_services; rm -rf "$work"' EXIT
  start_azurite >/dev/null
  export AzureWebJobsStorage="$DRAIN_TEST_AZURITE" PYTHONPATH="$PEER_PYTHONPATH"
  declare -gA exe=([this]="$(ab_runner "$root")" [other]="$(ab_runner "$other")")
  declare -gA dir=([this]="$root" [other]="$other")
}

# A checkout's command line, built now (no build is timed).
ab_runner() {
  (cd "$1" && ./drain --version >/dev/null)
  local out="$1/src/DrainFunctions.Cli/bin/Release/net10.0"
  if [ -x "$out/native/drain" ]; then echo "$out/native/drain"; else echo "dotnet $out/drain.dll"; fi
}
