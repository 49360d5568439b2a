#!/usr/bin/env bash
# README command (a): set up and run StreamVault on its embedded default — SQLite, the local
# vault under var/, Celery in eager mode, the demo library of real media — the site at
# http://127.0.0.1:8000/ — and nginx-rtmp for the live demo (docs/live.md: go live with
# `DEBUG=true .venv/bin/python manage.py live_demo` in a second terminal).
# Safe to run again: it only installs what is missing and never duplicates demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# ffmpeg makes the demo library's media (and every ingest needs it); DejaVu draws its posters.
# nginx with Debian's RTMP module takes the live demo's encoder (OBS or `manage.py live_demo`).
ensure_apt_packages ffmpeg fonts-dejavu-core nginx libnginx-mod-rtmp libarchive-tools
ensure_venv requirements.txt
export DEBUG="${DEBUG:-true}"
# No Telegram account on a developer machine: the in-Redis fake stands in, chosen here on
# purpose (production uses the real gateway by default).
export TELEGRAM_GATEWAY="${TELEGRAM_GATEWAY:-fake}"
# Mail (verification and reset links) is printed in this terminal instead of sent.
export EMAIL_URL="${EMAIL_URL:-consolemail://}"
# Celery runs eagerly here: its line per finished task would drown the demo's output.
export CELERY_TRACE_LOG_LEVEL="${CELERY_TRACE_LOG_LEVEL:-WARNING}"
BIND="${BIND:-127.0.0.1:8000}"
# Live channels: nginx-rtmp calls the app back, writes HLS the app serves, records broadcasts.
export LIVE_HLS_DIR="${LIVE_HLS_DIR:-$PWD/var/live/hls}"
export LIVE_RECORD_DIR="${LIVE_RECORD_DIR:-$PWD/var/live/recordings}"
export LIVE_RTMP_CALLBACK_SECRET="${LIVE_RTMP_CALLBACK_SECRET:-dev-only-rtmp-callback-secret}"
export LIVE_RTMP_URL="${LIVE_RTMP_URL:-rtmp://127.0.0.1:1935/live}"
export LIVE_RTMP_CONTROL_URL="${LIVE_RTMP_CONTROL_URL:-http://127.0.0.1:8081/control}"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo --admin
# The studio demo: an episode written, drawn, voiced and assembled offline, then published.
CELERY_TRACE_LOG_LEVEL=WARNING .venv/bin/python manage.py studio_demo

live_nginx=""
rtmp_dir="$PWD/var/nginx-live"
if LIVE_RTMP_LISTEN=127.0.0.1:1935 LIVE_RTMP_CONTROL_LISTEN=127.0.0.1:8081 \
   WEB_PORT="${BIND##*:}" EDGE_USER="$(id -un)" \
   .venv/bin/python manage.py nginx_conf --live-only --out "$rtmp_dir/nginx.conf" >/dev/null; then
  nginx -p "$rtmp_dir" -c "$rtmp_dir/nginx.conf" -g "daemon off;" &
  live_nginx=$!
  trap '[ -n "$live_nginx" ] && kill "$live_nginx" 2>/dev/null' EXIT
fi
echo
echo "  Site:     http://127.0.0.1:8000/"
echo "  Admin:    http://127.0.0.1:8000/admin/   (login above)"
echo "  API:      http://127.0.0.1:8000/api/titles/"
echo "  API docs: http://127.0.0.1:8000/api/docs/"
echo "  Tenants:  http://tenant-a.localhost:8000/api/site/  http://tenant-b.localhost:8000/api/titles/"
echo "            (safe titles only)  http://tenant-c.localhost:8000/api/titles/ (suspended)"
echo "  Live:     http://127.0.0.1:8000/live/   — go live (a second terminal):"
echo "            DEBUG=true .venv/bin/python manage.py live_demo"
echo "            or OBS: server $LIVE_RTMP_URL, key from http://127.0.0.1:8000/live/studio/"
echo "  Studio:   http://127.0.0.1:8000/studio/   (sign in to the admin first, or register)"
echo
# uvicorn (ASGI): the site, the API and the live chat's WebSockets in one process; it reloads
# when the code changes.
dirs=()
for d in */; do [ -f "$d/__init__.py" ] && dirs+=(--reload-dir "${d%/}"); done
.venv/bin/uvicorn streamvault.asgi:application --host "${BIND%:*}" --port "${BIND##*:}" \
  --reload "${dirs[@]}" --reload-dir templates --log-level warning
