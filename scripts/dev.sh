#!/usr/bin/env bash
# README command (a): set up and run StreamVault on its embedded default — SQLite, the local
# vault under var/, Celery in eager mode, the demo library of real media — the site at
# http://127.0.0.1:8000/.
# Safe to run again: it only installs what is missing and never duplicates demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# ffmpeg makes the demo library's media (and every ingest needs it); DejaVu draws its posters.
ensure_apt_packages ffmpeg fonts-dejavu-core
ensure_venv requirements.txt
export DEBUG="${DEBUG:-true}"
# No Telegram account on a developer machine: the in-Redis fake stands in, chosen here on
# purpose (production uses the real gateway by default).
export TELEGRAM_GATEWAY="${TELEGRAM_GATEWAY:-fake}"
# Celery runs eagerly here: its line per finished task would drown the demo's output.
export CELERY_TRACE_LOG_LEVEL="${CELERY_TRACE_LOG_LEVEL:-WARNING}"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo --admin
echo
echo "  Site:     http://127.0.0.1:8000/"
echo "  Admin:    http://127.0.0.1:8000/admin/   (login above)"
echo "  API:      http://127.0.0.1:8000/api/titles/"
echo "  API docs: http://127.0.0.1:8000/api/docs/"
echo "  Tenants:  http://tenant-a.localhost:8000/api/site/  http://tenant-b.localhost:8000/api/titles/"
echo "            (safe titles only)  http://tenant-c.localhost:8000/api/titles/ (suspended)"
echo
exec .venv/bin/python manage.py runserver "${BIND:-127.0.0.1:8000}"
