#!/usr/bin/env bash
# Starts the services the tests and the demo need, privately and on free loopback ports:
#   - PostgreSQL (Debian package, installed with apt when missing) in a throw-away cluster;
#   - Azurite (npm, installed from this repository's package.json when missing).
# ensure_chromium_installed installs Debian's chromium and chromium-driver (the dashboard tests' browser) when missing.
# Source it, call start_postgres / start_azurite, and call stop_services on exit.
# It never touches a system-wide cluster or data folder.

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
SERVICES_DIR=""
STARTED_PG_DATA=""
STARTED_AZURITE_PID=""

_log() { printf '[services] %s\n' "$*" >&2; }

_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Below the kernel's ephemeral range (32768-60999 by default): a port-0 bind elsewhere (the durable
# host's sidecar, drain serve) can be handed a port that a listening service holds when both set
# SO_REUSEADDR, and then fails at listen ("address already in use"); it happened in a test run.
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
  [ "${low:-0}" -gt 21000 ] 2>/dev/null || low=32768
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % (low - 20000)) + 20000 ))
    if _port_free "$p"; then echo "$p"; return 0; fi
  done
  _log "no free port found"; return 1
}

_services_dir() {
  if [ -z "$SERVICES_DIR" ]; then
    SERVICES_DIR=$(mktemp -d /tmp/drainfunctions-services.XXXXXX)
    chmod 755 "$SERVICES_DIR"
  fi
  echo "$SERVICES_DIR"
}

_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

ensure_postgres_installed() {
  if _pg_bin >/dev/null; then return 0; fi
  _log "PostgreSQL not found; installing the Debian package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  _pg_bin >/dev/null || { _log "PostgreSQL install failed"; return 1; }
}

start_postgres() {
  ensure_postgres_installed || return 1
  local bin dir port pw
  bin=$(_pg_bin)
  dir="$(_services_dir)/pg"
  mkdir -p "$dir"
  port=$(free_port) || return 1
  pw="drain-$RANDOM$RANDOM"
  echo "$pw" > "$dir.pw"
  chown -R postgres:postgres "$dir" "$dir.pw" 2>/dev/null || true
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir.pw" -A scram-sha-256 -E UTF8 >"$dir.initdb.log" 2>&1 \
    || { cat "$dir.initdb.log" >&2; return 1; }
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  STARTED_PG_DATA="$dir/data"
  export DRAIN_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Password=$pw;Database=postgres"
  export DRAIN_TEST_PG_URL="postgresql://postgres:$pw@127.0.0.1:$port/postgres"
  _log "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port"
}

# Debian's chromium and chromium-driver, for the dashboard's browser tests (Selenium).
ensure_chromium_installed() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return 0; fi
  _log "Chromium not found; installing the Debian packages chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium chromium-driver >/dev/null
  command -v chromedriver >/dev/null || { _log "Chromium install failed"; return 1; }
}

ensure_azurite_installed() {
  if [ -x "$REPO_ROOT/node_modules/.bin/azurite" ]; then return 0; fi
  command -v npm >/dev/null || { _log "npm is required to install Azurite"; return 1; }
  _log "installing Azurite from package.json (npm)"
  (cd "$REPO_ROOT" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || return 1
}

start_azurite() {
  ensure_azurite_installed || return 1
  local dir blob queue table
  dir="$(_services_dir)/azurite"
  mkdir -p "$dir"
  blob=$(free_port); queue=$(free_port); table=$(free_port)
  while [ "$queue" = "$blob" ]; do queue=$(free_port); done
  while [ "$table" = "$blob" ] || [ "$table" = "$queue" ]; do table=$(free_port); done
  # The preload keeps Azurite from loading a telemetry SDK it does not use (see the file).
  NODE_OPTIONS="--require \"$REPO_ROOT/scripts/azurite-preload.cjs\" ${NODE_OPTIONS:-}" \
  "$REPO_ROOT/node_modules/.bin/azurite" --silent --skipApiVersionCheck --loose --disableTelemetry \
    --location "$dir" --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" >"$dir.log" 2>&1 &
  STARTED_AZURITE_PID=$!
  for _ in $(seq 1 100); do
    if ! _port_free "$blob" && ! _port_free "$queue" && ! _port_free "$table"; then break; fi
    sleep 0.2
  done
  _port_free "$blob" && { cat "$dir.log" >&2; _log "Azurite did not start"; return 1; }
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export DRAIN_TEST_AZURITE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
  _log "Azurite on 127.0.0.1 blob:$blob queue:$queue table:$table"
}

# Every step may fail (a service that already died); none of them may stop the others, even
# under `set -e` in the caller's EXIT trap.
stop_services() {
  if [ -n "$STARTED_AZURITE_PID" ]; then
    kill "$STARTED_AZURITE_PID" 2>/dev/null || true
    wait "$STARTED_AZURITE_PID" 2>/dev/null || true
    STARTED_AZURITE_PID=""
  fi
  if [ -n "$STARTED_PG_DATA" ]; then
    runuser -u postgres -- "$(_pg_bin)/pg_ctl" -D "$STARTED_PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    STARTED_PG_DATA=""
  fi
  if [ -n "$SERVICES_DIR" ]; then rm -rf "$SERVICES_DIR" || true; SERVICES_DIR=""; fi
  return 0
}
