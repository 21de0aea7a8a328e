"""Production refuses the insecure defaults where it starts; offline commands need no secret."""

import os
import subprocess
import sys

from django.conf import settings

NO_SECRET = {"PATH": os.environ["PATH"], "DJANGO_DEBUG": "false"}


def run(*args, env):
    return subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_web_application_refuses_to_start_without_a_secret_key(tmp_path):
    result = run("-c", "import portal.wsgi", env={**NO_SECRET, "PORTAL_VAR_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_the_worker_refuses_to_start_without_a_secret_key(tmp_path):
    result = run("-m", "celery", "-A", "portal", "worker", "--loglevel=ERROR",
                 env={**NO_SECRET, "PORTAL_VAR_DIR": str(tmp_path)})

    assert result.returncode != 0
    assert "Refusing to start: Set DJANGO_SECRET_KEY" in result.stdout + result.stderr


def test_offline_commands_need_no_secret(tmp_path):
    result = run("manage.py", "makemigrations", "--check", "--dry-run",
                 env={**NO_SECRET, "PORTAL_VAR_DIR": str(tmp_path)})

    assert result.returncode == 0, result.stderr


def test_the_web_application_starts_with_a_real_key(tmp_path):
    result = run("-c", "import portal.wsgi", env={**NO_SECRET, "PORTAL_VAR_DIR": str(tmp_path),
                                                  "DJANGO_SECRET_KEY": "k" * 50})

    assert result.returncode == 0, result.stderr
