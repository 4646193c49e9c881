#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the store tests (CI and local runs).
#
#   .ci/postgres.sh start DIR [PORT]   install if missing, initdb DIR/data once, start on 127.0.0.1:PORT,
#                                      create role+db "journey"; prints the SQLAlchemy URL on stdout
#   .ci/postgres.sh stop DIR           stop the server started in DIR
#
# Idempotent: running start twice reuses the cluster and the running server. Authentication is
# "trust" on 127.0.0.1 only: this cluster is for tests, never for real data.
# Usage in CI:  export JOURNEY_TEST_POSTGRES_URL="$(.ci/postgres.sh start /tmp/journey-pg 54329)"
set -euo pipefail

action="${1:-}"
dir="${2:-}"
port="${3:-54329}"
if [[ -z "$action" || -z "$dir" ]]; then
    echo "usage: $0 start|stop DIR [PORT]" >&2
    exit 2
fi

log() { echo "postgres.sh: $*" >&2; }

pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$found" && -x "$found/pg_ctl" ]]; then
        echo "$found"
    elif command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
    fi
}

as_postgres() {
    # initdb/postgres refuse to run as root; run them as the postgres user when we are root
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

bin="$(pg_bin)"
if [[ -z "$bin" ]]; then
    if [[ "$action" == stop ]]; then exit 0; fi
    log "installing postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin="$(pg_bin)"
fi
[[ -n "$bin" ]] || { log "pg_ctl not found after install"; exit 1; }

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"

if [[ "$action" == stop ]]; then
    if [[ -f "$data/postmaster.pid" ]]; then
        as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
    fi
    exit 0
fi
[[ "$action" == start ]] || { echo "unknown action $action" >&2; exit 2; }

if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "$dir"
    chmod 700 "$dir"
fi

if [[ ! -f "$data/PG_VERSION" ]]; then
    log "initdb $data"
    as_postgres "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >&2
fi

if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting on 127.0.0.1:$port"
    as_postgres "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >&2
fi

psql_admin() { as_postgres psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'journey'")" != 1 ]]; then
    psql_admin -c "CREATE ROLE journey LOGIN PASSWORD 'journey'" >&2
fi
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'journey'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE journey OWNER journey" >&2
fi

echo "postgresql+psycopg://journey:journey@127.0.0.1:$port/journey"
