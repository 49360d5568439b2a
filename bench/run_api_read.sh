#!/usr/bin/env bash
# API read benchmark, end to end: installs what is missing (PostgreSQL, Redis, nginx, wrk; the
# venv), starts private PostgreSQL and Redis instances on free ports in a temporary directory,
# migrates, bulk-loads the titles, runs bench/api_read.py with production settings, and stops
# and removes everything it started.
#
#   bash bench/run_api_read.sh                    # 100,000 titles
#   bash bench/run_api_read.sh --titles 20000     # fewer titles
#   bash bench/run_api_read.sh -- --duration 5    # arguments after -- go to api_read.py
#   bash bench/run_api_read.sh --script bench/edge.py   # what we ship (bench/README.md)
#   bash bench/run_api_read.sh --titles 1000 --script bench/live.py   # live channels
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

TITLES=100000
SCRIPT=bench/api_read.py
while [ $# -gt 0 ]; do
  case "$1" in
    --titles) TITLES=$2; shift 2 ;;
    --script) SCRIPT=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--titles N] [--script bench/X.py] [-- script arguments]" >&2; exit 2 ;;
  esac
done

ensure_apt_packages postgresql postgresql-contrib redis-server nginx wrk ffmpeg libnginx-mod-http-brotli-filter libnginx-mod-rtmp
ensure_venv requirements.txt

WORK=$(mktemp -d /tmp/streamvault-bench.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  local rc=$? pid
  # Whatever api_read.py started and could not stop itself (it normally does).
  for f in "$WORK"/api-read-*/bench-pids "$WORK"/edge-*/bench-pids "$WORK"/live/bench-pids; do
    [ -f "$f" ] || continue
    while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done < "$f"
  done
  stop_redis "$WORK" || true
  stop_postgres "$WORK" || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

start_postgres "$WORK"   # sets PG_PORT
start_redis "$WORK"      # sets REDIS_PORT

export DATABASE_URL="postgres://streamvault@127.0.0.1:${PG_PORT}/streamvault"
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
export DEBUG=false SITE_URL="${SITE_URL:-http://127.0.0.1:8000}"
export SECRET_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1,localhost
export LOG_LEVEL=WARNING
export EDGE_DIR="$WORK/edge" VAULT_DIR="$WORK/vault" INGEST_WORK_DIR="$WORK/swarm"
export CELERY_TASK_ALWAYS_EAGER=true   # edge.py ingests its subtitle and manga in-process

.venv/bin/python manage.py migrate -v0
echo ">> load_bulk --titles $TITLES"
.venv/bin/python manage.py load_bulk --titles "$TITLES"
"$(pg_bin)/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U streamvault streamvault -c "VACUUM ANALYZE"

.venv/bin/python "$SCRIPT" --work "$WORK" "$@"
