#!/usr/bin/env bash
# Studio benchmark, end to end: private PostgreSQL and Redis on free ports, migrate, then
# bench/studio.py with production settings; everything it started is stopped and removed.
#
#   bash bench/run_studio.sh                   # a tenth of the planned scale
#   bash bench/run_studio.sh -- --projects 10000 --tasks 100000
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source bench/lib.sh
[ "${1:-}" = "--" ] && shift

export CELERY_TASK_ALWAYS_EAGER=false
bench_services_start
.venv/bin/python bench/studio.py "$@"
