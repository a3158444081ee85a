#!/usr/bin/env bash
# Storage over many phases (issue 17: "growth per phase ... flat over 1,000 phases"): drains PHASES phases
# of the peer-bench kit's 1k template (PER_DRAIN at a time, the kit's instant stand-in executor) against a
# private Azurite started the way ./drain starts it (scripts/azurite-preload.cjs). Then, as the next drain
# of a user would: 30 s later (every phase's timeout timer is due by then) a 1-phase drain, whose host
# takes the due timer messages off the queue, and SETTLE seconds idle for Azurite's extent collection.
# Prints the Azurite folder by part after every drain and every 30 s idle: queue extents (task-hub
# messages), blob extents (session documents and phase logs), metadata databases (blob, queue, table),
# and the growth per phase beyond the session documents and the phase logs.
#   bench/storage/run.sh [PHASES=1000] [PER_DRAIN=100] [SETTLE=210]
# Needs the kit's template (bench/peer/run.sh makes it: .workspace/peer-bench/db/t1000.db) and python3.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
phases=${1:-1000}; per=${2:-100}; settle=${3:-210}
for v in "$phases" "$per" "$settle"; do [[ $v =~ ^[0-9]+$ ]] || { echo "run.sh: PHASES, PER_DRAIN and SETTLE are whole numbers" >&2; exit 2; }; done
kit="${PEER_BENCH_KIT:-$root/../shared/peer-bench}"
template="$root/.workspace/peer-bench/db/t1000.db"
[ -f "$template" ] || { echo "run.sh: $template is missing: run bench/peer/run.sh 1 real20 once (it makes it)" >&2; exit 1; }
[ -f "$kit/peer/scripts/drain_one_phase.py" ] || { echo "run.sh: the kit's stand-in executor is not in $kit (set PEER_BENCH_KIT)" >&2; exit 1; }
cd "$root"
./drain --version >/dev/null  # build first: not part of any figure

work=$(mktemp -d /tmp/drain-storage-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
blob=$(free_port); queue=$(free_port); table=$(free_port)
NODE_OPTIONS="--require \"$root/scripts/azurite-preload.cjs\"" node_modules/.bin/azurite --silent --skipApiVersionCheck --loose \
  --disableTelemetry --location "$work/azurite" --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
  --tableHost 127.0.0.1 --tablePort "$table" > "$work/azurite.log" 2>&1 &
azpid=$!
trap 'kill $azpid 2>/dev/null; wait $azpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$table) 2>/dev/null && break; sleep 0.1; done
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1"
export DURABLE_TASK_HUB_NAME=storagebench Snapshots__ContainerName=storagebench
exec_cmd="python3 $kit/peer/scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force"

size() { if [ -e "$1" ]; then du -sb "$1" | cut -f1; else echo 0; fi; }
sizes() {  # queue-extents blob-extents metadata total
  local a="$work/azurite" q b t
  q=$(size "$a/__queuestorage__"); b=$(size "$a/__blobstorage__"); t=$(size "$a")
  echo "$q $b $((t - q - b)) $t"
}
read -r q0 b0 m0 t0 < <(sizes)
printf '%-22s %12s %12s %12s %12s %18s\n' "after" "queue ext" "blob ext" "metadata" "total" "beyond blobs/phase"
report() {  # LABEL PHASES-SO-FAR
  local q b m t; read -r q b m t < <(sizes)
  local per_phase="-"
  [ "$2" -gt 0 ] && per_phase=$(awk -v d=$(( (q - q0) + (m - m0) )) -v n="$2" 'BEGIN{printf "%.2f KB", d/n/1024}')
  printf '%-22s %12d %12d %12d %12d %18s\n' "$1" "$q" "$b" "$m" "$t" "$per_phase"
}
drain() {  # PHASES LABEL: a drain of PHASES phases of a fresh copy of the template (same container, task hub)
  n=$((n + 1)); local db="$work/backlog-$n.db"; cp "$template" "$db"
  local rc=0
  DATABASE_URL="sqlite:///$db" ./drain --batch-size "$1" --phase-timeout-seconds 10 --no-ledger \
    --executor process --executor-command "$exec_cmd" > "$work/drain-$n.log" 2>&1 || rc=$?
  # Exit 1 with a saved session is a whole drain in which a phase failed (once, one stand-in run passed
  # the 10 s timeout, cause not found): its storage counts like any other. Anything else stops the bench.
  if [ "$rc" -eq 1 ] && grep -q "^Session saved to:" "$work/drain-$n.log"; then
    echo "  (drain $n: a phase did not succeed: $(grep -m1 -E '^ *\[TIMEOUT\] Timeouts:' "$work/drain-$n.log" | xargs))" >&2
  elif [ "$rc" -ne 0 ]; then
    tail -20 "$work/drain-$n.log" >&2; echo "run.sh: drain $n failed" >&2; exit 1
  fi
  rm -f "$db" "$db-wal" "$db-shm"
}
done_phases=0; n=0
while [ "$done_phases" -lt "$phases" ]; do
  batch=$(( phases - done_phases < per ? phases - done_phases : per ))
  drain "$batch"; done_phases=$((done_phases + batch)); sleep 1.5
  report "drain $n ($done_phases phases)" "$done_phases"
done
sleep 30; drain 1; done_phases=$((done_phases + 1)); sleep 1.5
report "+30s, 1-phase drain" "$done_phases"
end=$((SECONDS + settle))
while [ "$SECONDS" -lt "$end" ]; do sleep 30; report "+$((settle - (end - SECONDS)))s idle" "$done_phases"; done
echo "beyond blobs/phase: growth of the queue extents and the metadata databases per phase drained so far"
echo "(the blob extents hold the session documents and the phase logs)."
