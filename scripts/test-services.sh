#!/usr/bin/env bash
# Install (when missing) and start what the tests need, all on 127.0.0.1:
#   PostgreSQL on port $TUTOR_PG_PORT (55432), Redis on $TUTOR_REDIS_PORT (56379),
#   and Debian's Chromium for the browser tests.
# Writes var/test-services.env with DATABASE_URL and REDIS_URL. Safe to run again:
# running services are reused.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_port=${TUTOR_PG_PORT:-55432}
redis_port=${TUTOR_REDIS_PORT:-56379}
pg_data=${TUTOR_PG_DATA:-/tmp/tutor-test-pg-$pg_port}

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} with apt-get"
  as_root=(); [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
as_pg=(); if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

if ! "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    mkdir -p "$pg_data"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg_data"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U tutor --auth=trust -E UTF8 >/dev/null
  fi
  # fsync off: a test database needs speed, not durability across power loss.
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w start \
    -o "-h 127.0.0.1 -p $pg_port -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
fi
if ! "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U tutor -d postgres -tAc "select 1 from pg_database where datname='tutor'" | grep -q 1; then
  "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U tutor tutor
fi
echo "PostgreSQL is up on 127.0.0.1:$pg_port (data in $pg_data)"

if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
    --logfile "/tmp/tutor-test-redis-$redis_port.log"
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null
echo "Redis is up on 127.0.0.1:$redis_port"

mkdir -p var
cat > var/test-services.env <<ENV
DATABASE_URL=postgres://tutor@127.0.0.1:$pg_port/tutor
REDIS_URL=redis://127.0.0.1:$redis_port/0
CELERY_EAGER=1
TUTOR_CHROMIUM=/usr/bin/chromium
ENV
