#!/usr/bin/env bash
# The tutor in production on one machine (docs/PRODUCTION.md). PostgreSQL, Redis and the
# LLM server (docs/SERVING.md) must already be up; every setting comes from the environment.
#
#   scripts/production.sh          setup, then gunicorn + a Celery worker + Celery beat;
#                                  if one of them stops, the others are stopped too (exit 1)
#   scripts/production.sh setup    migrate, collectstatic, import the LLM101N course
#   scripts/production.sh web|worker|beat   one process in the foreground (one unit each)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
role=${1:-all}

for name in DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DATABASE_URL REDIS_URL CACHE_URL; do
  if [ -z "${!name:-}" ]; then
    echo "production.sh: $name is not set (see docs/PRODUCTION.md)" >&2
    exit 2
  fi
done

setup() {
  "$PY" manage.py migrate --noinput
  "$PY" manage.py collectstatic --noinput --verbosity 0
  "$PY" manage.py import_course "${TUTOR_COURSE_DIR:-content/courses/llm101n}"
}

web() {
  # gthread: each worker process serves WEB_THREADS requests at once (explanations are
  # polled, so requests are short); DATABASE_POOL_MAX_SIZE should be at least WEB_THREADS.
  # --preload: the app (torch included) is imported once, before the workers fork.
  exec "$PY" -m gunicorn webapp.wsgi:application --preload \
    --bind "${WEB_BIND:-127.0.0.1:8000}" \
    --workers "${WEB_WORKERS:-$(($(nproc) * 2 + 1))}" \
    --worker-class gthread --threads "${WEB_THREADS:-4}" \
    --timeout "${WEB_TIMEOUT:-30}" --graceful-timeout 20 \
    --max-requests 10000 --max-requests-jitter 1000
}

worker() {
  exec "$PY" -m celery -A workers worker \
    --queues "${CELERY_QUEUE:-tutor}" --concurrency "${WORKER_CONCURRENCY:-$(nproc)}" --loglevel INFO
}

beat() {
  # Exactly one beat for the whole deployment: two would send every scheduled task twice.
  local var_dir=${TUTOR_VAR_DIR:-var}
  mkdir -p "$var_dir"
  exec "$PY" -m celery -A workers beat --schedule "$var_dir/celerybeat-schedule" --loglevel INFO
}

case "$role" in
  setup) setup ;;
  web) web ;;
  worker) worker ;;
  beat) beat ;;
  all)
    setup
    pids=()
    stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait || true; }
    trap 'stop; exit 143' TERM INT
    for part in web worker beat; do
      "$0" "$part" &
      pids+=($!)
    done
    # Whichever stops first (a crash, a kill), stop the rest and fail, so systemd restarts all.
    wait -n || true
    echo "production.sh: a process stopped; stopping the others" >&2
    stop
    exit 1
    ;;
  *)
    echo "usage: $0 [all|setup|web|worker|beat]" >&2
    exit 2
    ;;
esac
