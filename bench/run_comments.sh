#!/usr/bin/env bash
# Comments benchmark, end to end: private PostgreSQL and Redis on free ports, migrate, then
# bench/comments.py with production settings; everything it started is stopped and removed.
#
#   bash bench/run_comments.sh                 # 20,000 comments, 100,000 likes
#   bash bench/run_comments.sh -- --requests 100
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
export COMMENT_RATE=1000000/min COMMENT_IP_RATE=1000000/min

.venv/bin/python manage.py migrate -v0
.venv/bin/python bench/comments.py --work "$WORK" "$@"
