#!/usr/bin/env bash
# make run: migrate, load the demo, and serve the portal as a small real deployment: gunicorn
# with DEBUG off, a Celery worker and beat, all kept up by supervisord (supervisord.conf).
# Embedded default: SQLite and a file-based broker under var/; DATABASE_URL and
# CELERY_BROKER_URL point elsewhere. Ctrl+C or SIGTERM stops every process.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT=${PORT:-8000}
export PORTAL_VAR_DIR=${PORTAL_VAR_DIR:-$PWD/var}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:$PORT}
export DJANGO_DEBUG=${DJANGO_DEBUG:-false}
# Plain HTTP on 127.0.0.1: cookies without the Secure flag, no redirect to HTTPS.
export DJANGO_SECURE_COOKIES=${DJANGO_SECURE_COOKIES:-false}
PY=.venv/bin/python
mkdir -p "$PORTAL_VAR_DIR/mail" "$PORTAL_VAR_DIR/broker" "$PORTAL_VAR_DIR/log"

# A secret made once for this checkout and kept under var/ (never committed), so that
# sessions survive a restart and production's refusal of the development key holds here too.
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  secret_file="$PORTAL_VAR_DIR/secret_key"
  if [ ! -s "$secret_file" ]; then
    (umask 077 && $PY -c "import secrets; print(secrets.token_urlsafe(50))" >"$secret_file")
  fi
  DJANGO_SECRET_KEY=$(cat "$secret_file")
  export DJANGO_SECRET_KEY
fi

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo --force

echo
echo "Case Portal: $PORTAL_BASE_URL  (sign in as customer / demo-pass-2026)"
echo "Logs: $PORTAL_VAR_DIR/log/ (web, worker, beat). Emails: ${EMAIL_FILE_PATH:-$PORTAL_VAR_DIR/mail}/."
echo "Stop with Ctrl+C."
echo
# exec: supervisord takes this process's place, so the signal make or a terminal sends it
# reaches the one that stops the others.
exec .venv/bin/supervisord -c supervisord.conf
