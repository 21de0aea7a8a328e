#!/usr/bin/env bash
# make test: install what the tests need, find PostgreSQL and Redis, run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ ! -f .venv/.dev-installed ] || [ requirements-dev.txt -nt .venv/.dev-installed ] || [ requirements.txt -nt .venv/.dev-installed ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  touch .venv/.dev-installed
fi
# axe-core for the accessibility test (package.json pins it); npm ci again when the lock file changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund --loglevel=error
  elif [ "${CI:-}" = "true" ]; then
    echo "CI=true needs npm for axe-core (apt-get install npm)" >&2; exit 1
  else
    echo "No npm: the accessibility test will be skipped. Install it with: apt-get install npm" >&2
  fi
fi
exports=$(.venv/bin/python scripts/services.py)
eval "$exports"
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-test-secret-key-that-is-long-enough-for-the-checks}
export DJANGO_DEBUG=false DJANGO_SECURE_COOKIES=false
export PORTAL_VAR_DIR=${PORTAL_VAR_DIR:-$(mktemp -d)}
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
if [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = "true" ]; then echo "CI=true needs /usr/bin/chromium (apt-get install chromium)" >&2; exit 1; fi
  echo "No /usr/bin/chromium: browser tests will be skipped. Install it with: apt-get install chromium" >&2
fi
.venv/bin/python -m ruff check .
.venv/bin/lint-imports --no-cache
.venv/bin/python manage.py collectstatic --noinput -v0
DATABASE_URL=sqlite:///:memory: .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
