#!/usr/bin/env bash
# Regenerate deploy/systemd/ from deploy/Procfile (honcho export, our unit template in
# deploy/systemd-templates/). Usage: bash deploy/make-systemd.sh [OUT_DIR]
# The units expect the checkout at /srv/streamvault with its venv, a `streamvault` user, and
# the settings in /etc/streamvault/env (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-deploy/systemd}
ENV_FILE=$(mktemp)
trap 'rm -f "$ENV_FILE"' EXIT
echo "PATH=/srv/streamvault/.venv/bin:/usr/sbin:/usr/bin:/bin" > "$ENV_FILE"
rm -rf "$OUT"
.venv/bin/honcho export systemd "$(realpath -m "$OUT")" -f "$PWD/deploy/Procfile" \
  -t "$PWD/deploy/systemd-templates" -d /srv/streamvault -a streamvault -u streamvault \
  -s /bin/sh -e "$ENV_FILE" 2>/dev/null
