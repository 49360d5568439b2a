# What bench/run_comments.sh and bench/run_studio.sh share (source it after scripts/lib.sh):
# private PostgreSQL and Redis on free ports in a temporary directory WORK, production settings,
# the schema migrated; on exit, whatever the benchmark recorded in WORK/bench-pids, the
# services and WORK are stopped and removed.

bench_cleanup() {
  local rc=$? pid
  if [ -f "$WORK/bench-pids" ]; then
    while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || true; done < "$WORK/bench-pids"
  fi
  stop_redis "$WORK" || true
  stop_postgres "$WORK" || true
  rm -rf "$WORK"
  exit $rc
}

bench_services_start() {
  ensure_apt_packages postgresql postgresql-contrib redis-server
  ensure_venv requirements.txt
  WORK=$(mktemp -d /tmp/streamvault-bench.XXXXXX)
  chmod 755 "$WORK"
  trap bench_cleanup EXIT INT TERM
  start_postgres "$WORK"
  start_redis "$WORK"
  export DATABASE_URL="postgres://streamvault@127.0.0.1:${PG_PORT}/streamvault"
  export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
  export DEBUG=false SITE_URL="${SITE_URL:-http://127.0.0.1:8000}" ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING
  export SECRET_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  .venv/bin/python manage.py migrate -v0
}
