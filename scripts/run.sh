#!/usr/bin/env bash
# make run: migrate, load the demo, and run web + Celery worker + beat on the embedded
# default (SQLite, file-based broker under var/), or on DATABASE_URL/CELERY_BROKER_URL if set.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}
export DJANGO_DEBUG=${DJANGO_DEBUG:-true}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:$PORT}
PY=.venv/bin/python
mkdir -p var/mail var/broker

$PY manage.py migrate --noinput -v0
$PY manage.py load_demo --force

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Their banners and logs go to files, so the sign-ins above stay readable.
.venv/bin/celery -A portal worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A portal beat --loglevel=INFO --schedule=var/celerybeat-schedule >var/beat.log 2>&1 &
pids+=($!)

echo
echo "Case Portal: http://127.0.0.1:$PORT  (sign in as customer / demo-pass-2026)"
echo "Worker log: var/worker.log, beat log: var/beat.log."
echo "Emails are written to ${EMAIL_FILE_PATH:-var/mail}/. Stop with Ctrl+C."
echo
$PY manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)
wait -n "${pids[@]}"
