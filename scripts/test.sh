#!/usr/bin/env bash
# The whole test suite against real PostgreSQL and Redis (README command b; .ci/run calls it).
# Installs what is missing (apt: postgresql, redis-server, ffmpeg, nginx; a venv with the
# requirements), starts private PostgreSQL and Redis instances on free ports in a temporary
# directory (and a second PostgreSQL with pgvector), checks the import layering
# (import-linter), runs pytest (extra arguments are passed on; the whole suite also runs the
# pgvector tests on the second server), and stops and removes what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step() { echo ">> [$(date +%T), ${SECONDS} s] $*"; }  # where the run's time goes
step "apt packages, the venv"
ensure_apt_packages postgresql postgresql-contrib redis-server ffmpeg nginx libnginx-mod-http-brotli-filter libnginx-mod-rtmp chromium fonts-dejavu-core libarchive-tools
ensure_venv requirements-dev.txt

WORK=$(mktemp -d /tmp/streamvault-test.XXXXXX)
chmod 755 "$WORK"
cleanup() {
  local rc=$?
  stop_redis "$WORK" || true
  stop_postgres "$WORK" || true
  stop_postgres "$WORK" "$(pgvector_bin)" pgvector || true
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

start_postgres "$WORK" "$(pgvector_bin)" pgvector   # PostgreSQL with pgvector (-m pgvector)
PGVECTOR_PORT=$PG_PORT
start_postgres "$WORK"   # sets PG_PORT
start_redis "$WORK"      # sets REDIS_PORT

export DATABASE_URL="postgres://streamvault@127.0.0.1:${PG_PORT}/streamvault"
export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
export SECRET_KEY="test-only-secret-key"
export SITE_URL="http://127.0.0.1:8000"   # production settings refuse to start without it
export CELERY_TASK_ALWAYS_EAGER=true   # tests marked celery_worker switch to a real worker
export STREAMVAULT_TEST_SERVICES=required
export TELEGRAM_GATEWAY=fake   # tests choose the fake explicitly; the real gateway is the default

step "ruff, the format check, makemigrations --check, lint-imports (docs/architecture.md)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python manage.py makemigrations --check --dry-run
.venv/bin/lint-imports --no-cache

set +e
if [ "$#" -eq 0 ]; then
  # The whole suite also fuzzes the API over its schema on a live server (scripts/fuzz.sh):
  # its database (the demo library, made with its own media) is prepared and the fuzzing run
  # while pytest runs, at a lower CPU priority — pytest leaves a core idle most of the time,
  # waiting on the processes it starts, and the fuzzing fills it. Its report follows pytest's.
  export PG_PORT FUZZ_WORK="$WORK/fuzz"
  (
    renice -n 10 -p "$BASHPID" > /dev/null || true
    if ! bash scripts/fuzz.sh prepare > "$WORK/fuzz-prepare.log" 2>&1; then
      echo "preparing the fuzzing's database failed:"
      tail -n 40 "$WORK/fuzz-prepare.log"
      exit 1
    fi
    bash scripts/fuzz.sh run
  ) > "$WORK/fuzz.log" 2>&1 &
  fuzz=$!
  # The whole suite on three pytest-xdist workers (each its own test database and Redis
  # database, tests/xdist_env.py; a module's tests stay together on one worker), and where its
  # time goes. Three on two cores: much of the suite waits on the servers, workers and browsers
  # it starts (two workers left a third of the CPU idle; three took pytest from 14:55 to 10:53).
  step "pytest"
  .venv/bin/python -m pytest -n 3 --dist loadfile --durations=25
else
  .venv/bin/python -m pytest "$@"
fi
rc=$?
if [ "$#" -eq 0 ]; then
  step "pytest -m pgvector"
  # The tests marked pgvector (under tests/studio), in a session of their own against
  # PostgreSQL with pgvector; the schema made from the models (the tests add pgvector's column
  # and indexes with studio.vectors.install, which is all the migration does for them).
  DATABASE_URL="postgres://streamvault@127.0.0.1:${PGVECTOR_PORT}/streamvault" \
    .venv/bin/python -m pytest -m pgvector --no-migrations -p no:cacheprovider -q tests/studio
  pgvector_rc=$?
  [ "$pgvector_rc" -eq 0 ] || rc=1
fi
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
fi
if [ "$#" -eq 0 ]; then
  fuzz_rc=0
  step "waiting for the schema fuzzing"
  wait "$fuzz" || fuzz_rc=$?
  step "done"
  cat "$WORK/fuzz.log"
  [ "$fuzz_rc" -eq 0 ] || rc=1
fi
exit $rc
