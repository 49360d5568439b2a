#!/usr/bin/env bash
# Comments benchmark, end to end: private PostgreSQL and Redis on free ports, migrate, then
# bench/comments.py with production settings; everything it started is stopped and removed.
#
#   bash bench/run_comments.sh                 # 20,000 comments, 100,000 likes
#   bash bench/run_comments.sh -- --requests 100
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source bench/lib.sh
[ "${1:-}" = "--" ] && shift

export COMMENT_RATE=1000000/min COMMENT_IP_RATE=1000000/min
bench_services_start
.venv/bin/python bench/comments.py --work "$WORK" "$@"
