#!/usr/bin/env bash
# Schema fuzzing (run by scripts/test.sh beside pytest, with the same PostgreSQL and Redis):
# a live uvicorn on a database of its own with the demo library, then schemathesis with every
# check over the OpenAPI schema — anonymous and logged in (session + CSRF cookie), side by
# side — and a bounded number of examples. Any 5xx or schema violation, anonymous or logged
# in, fails the run.
# Needs: DATABASE_URL's server, REDIS_URL, PG_PORT, and the venv.
#
#   bash scripts/fuzz.sh            # prepare, then fuzz
#   bash scripts/fuzz.sh prepare    # only the database, then only the fuzzing (scripts/test.sh
#   bash scripts/fuzz.sh run        #   runs both while pytest runs): both need the same FUZZ_WORK
#
# Everything is its own: a database, a Redis database (15, the last: pytest's run uses 0 and its
# xdist workers 1, 2, … — their test Celery workers would otherwise take the jobs this server
# queues), a vault and a demo-media directory under FUZZ_WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

MODE=${1:-all}
EXAMPLES=${FUZZ_EXAMPLES:-40}
WORK=${FUZZ_WORK:-$(mktemp -d /tmp/streamvault-fuzz.XXXXXX)}
mkdir -p "$WORK"
PORT=$(free_port)
FUZZ_DB="streamvault_fuzz"
export DATABASE_URL="postgres://streamvault@127.0.0.1:${PG_PORT}/${FUZZ_DB}"
export REDIS_URL="${REDIS_URL%/*}/15"
export DEMO_MEDIA_DIR="$WORK/demo-media"
export DEBUG=false SECRET_KEY="fuzz-only-secret-key" ALLOWED_HOSTS="127.0.0.1,localhost"
export VAULT_DIR="$WORK/vault" TELEGRAM_GATEWAY=fake TELEGRAM_LOGIN_BOT_TOKEN="123:fuzz"
export CELERY_TASK_ALWAYS_EAGER=true CACHE_KEY_PREFIX="fuzz"
# Limits out of the way, so the fuzzer reaches the code behind them (they have their own tests).
export REPORT_RATE=100000/hour SUBMISSION_RATE=100000/hour GUEST_CREATE_RATE=100000/hour
export REPORT_IP_RATE=100000/hour SUBMISSION_IP_RATE=100000/hour COMMENT_IP_RATE=100000/min
export COMMENT_RATE=100000/min
export ACCOUNTS_REGISTER_RATE=100000/hour ACCOUNTS_LOGIN_IP_RATE=100000/hour
export ACCOUNTS_LOGIN_ACCOUNT_RATE=100000/hour ACCOUNTS_RESET_RATE=100000/hour
export STREAM_RATE_LIMIT=100000
export EMAIL_URL=memorymail://  # mail stays in the server process

server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ "$MODE" = prepare ] || rm -rf "$WORK"
}
trap cleanup EXIT

session_of() {  # a session cookie of a Telegram user (made once) with this Telegram id
  .venv/bin/python manage.py shell -c "
from django.test import Client
from accounts.models import User
user, _ = User.objects.get_or_create(username='fuzzer-$1', defaults={'kind': 'telegram', 'telegram_id': $1})
client = Client()
client.force_login(user)
print(client.cookies['sessionid'].value)" | tail -n 1
}
# The logged-in run never logs itself out or in as someone else: the logout operations and the
# email sign-ins and credential changes (which replace the session: an account the fuzzer
# just registered signs in, a new password gives the session a new key)
# are fuzzed by a run of their own, as another user ("log out everywhere" ends every session).
SIGN_IN_OUT="logout|/auth/email/(login|verify|reset/confirm)/|/me/email/\$"
if [ "$MODE" != run ]; then
  pg_run "$(pg_bin)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U streamvault "$FUZZ_DB" 2>/dev/null || true
  .venv/bin/python manage.py migrate --noinput -v 0
  .venv/bin/python manage.py seed_demo > /dev/null
  session_of 424242 > "$WORK/session"
  session_of 424243 > "$WORK/logout-session"
  [ "$MODE" = prepare ] && exit 0
fi
SESSION=$(cat "$WORK/session")
LOGOUT_SESSION=$(cat "$WORK/logout-session")
CSRF=$(python3 -c 'import secrets; print(secrets.token_hex(16))')

# The server sends its jobs to Redis as production does (nothing consumes them here): eagerly,
# a request that queues work would run it inline — a whole studio episode inside one POST.
# It is the production web process (gunicorn gthread, the API's server): under uvicorn every
# sync view of a worker ran in one thread, so four fuzzers queued behind one password hash.
CELERY_TASK_ALWAYS_EAGER=false STREAMVAULT_PROCESS=web \
  .venv/bin/gunicorn streamvault.wsgi:application --bind "127.0.0.1:$PORT" \
  --worker-class gthread --workers 2 --threads 4 --log-level warning \
  > "$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/schema/" && break
  sleep 0.2
done

run() {
  # One worker: with several, Hypothesis's lambda-description cache raced once (a SystemError
  # inside the tool, not in the API).
  echo ">> schemathesis ($1): --checks all, $EXAMPLES examples per operation"
  shift
  # 30 s a request (the wait and the response-time check), not 10: the server is niced beside
  # pytest, and a sign-up's password hash (a second of CPU) starved past 10 s while the browser
  # tests ran.
  .venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/schema/" --checks all \
    --max-examples "$EXAMPLES" --workers 1 --seed "${FUZZ_SEED:-1}" --no-color \
    --request-timeout 30 --max-response-time 30 "$@"
}
rc=0
# The runs go side by side (separate processes, each its own example database: a Hypothesis
# race was seen only between workers of one process), on a server of two workers, so the
# fuzzing keeps both cores busy; their reports are printed in turn. Logged in, the fuzzer
# reaches the per-user endpoints (progress, wishlist, reports, streams, the studio): that run
# is split in two by path (the studio, the rest), with the same session.
STUDIO="^/api/studio/"
LOGGED_IN=(-H "Cookie: sessionid=$SESSION; csrftoken=$CSRF" -H "X-CSRFToken: $CSRF")
# The anonymous run is split the same way: four runs side by side keep both cores busy once
# pytest has finished (three left a third of them idle).
run "anonymous, the studio" --generation-database ":memory:" --include-path-regex "$STUDIO" \
  > "$WORK/anonymous-studio.log" 2>&1 &
anonymous_studio=$!
run "anonymous, the rest" --generation-database ":memory:" --exclude-path-regex "$STUDIO" \
  > "$WORK/anonymous.log" 2>&1 &
anonymous=$!
run "logged in, the studio" --generation-database ":memory:" --include-path-regex "$STUDIO" \
  "${LOGGED_IN[@]}" > "$WORK/logged-in-studio.log" 2>&1 &
logged_in_studio=$!
run "logged in, the rest" --generation-database ":memory:" \
  --exclude-path-regex "$SIGN_IN_OUT|$STUDIO" "${LOGGED_IN[@]}" > "$WORK/logged-in.log" 2>&1 &
logged_in=$!
wait "$anonymous_studio" || rc=1
wait "$anonymous" || rc=1
wait "$logged_in_studio" || rc=1
wait "$logged_in" || rc=1
run "logout, logged in" --generation-database ":memory:" --include-path-regex "$SIGN_IN_OUT" \
  -H "Cookie: sessionid=$LOGOUT_SESSION; csrftoken=$CSRF" -H "X-CSRFToken: $CSRF" \
  > "$WORK/logout.log" 2>&1 || rc=1
cat "$WORK/anonymous-studio.log" "$WORK/anonymous.log" "$WORK/logged-in-studio.log" "$WORK/logged-in.log" "$WORK/logout.log"
# Every request of the logged-in run ran logged in: its session still answers as the fuzzer.
me=$(curl -s -H "Cookie: sessionid=$SESSION" "http://127.0.0.1:$PORT/api/me/")
if echo "$me" | grep -q '"id":"424242"'; then
  generated=$(for log in "$WORK/logged-in.log" "$WORK/logged-in-studio.log"; do
    grep -oE '[0-9]+ generated' "$log" | head -n 1 | cut -d' ' -f1
  done | awk '{ n += $1 } END { print n }')
  echo ">> logged in for the whole run: $generated requests, the session still valid at the end"
else
  echo "the logged-in run lost its session (GET /api/me/ answered: ${me:0:200})" >&2
  rc=1
fi
if grep -q "Traceback" "$WORK/server.log"; then
  echo "the server logged a traceback:" >&2
  grep -m 2 -A 30 "Traceback" "$WORK/server.log" >&2 || true
  rc=1
fi
exit $rc
