#!/usr/bin/env bash
# Studio benchmark, end to end: private PostgreSQL and Redis on free ports, migrate, then
# bench/studio.py with production settings; everything it started is stopped and removed.
#
#   bash bench/run_studio.sh                   # a tenth of the planned scale
#   bash bench/run_studio.sh -- --projects 10000 --tasks 100000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
[ "${1:-}" = "--" ] && shift

ensure_apt_packages postgresql postgresql-contrib redis-server
ensure_venv requirements.txt

WORK=$(mktemp -d /tmp/streamvault-bench.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  local rc=$? pid
  if [ -f "$WORK/bench-pids" ]; then
    while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done < "$WORK/bench-pids"
  fi
  stop_redis "$WORK" || true
  stop_postgres "$WORK" || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

start_postgres "$WORK"
start_redis "$WORK"
export DATABASE_URL="postgres://streamvault@127.0.0.1:${PG_PORT}/streamvault"
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
export DEBUG=false SITE_URL="${SITE_URL:-http://127.0.0.1:8000}" ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
export SECRET_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export CELERY_TASK_ALWAYS_EAGER=false

.venv/bin/python manage.py migrate -v0
.venv/bin/python bench/studio.py "$@"
