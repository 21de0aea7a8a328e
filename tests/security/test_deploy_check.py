"""Production settings pass Django's deployment checklist, with nothing relaxed.

Each check runs ``manage.py`` in a fresh interpreter with a production environment built
from scratch (not copied from the test run, which relaxes HTTPS for its live server), so
the settings module is read exactly as a deployment reads it.
"""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)
ONE_YEAR = 365 * 24 * 60 * 60
SECURITY_SETTINGS = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "X_FRAME_OPTIONS",
    "SILENCED_SYSTEM_CHECKS",
]


def random_secret_key():
    alphabet = string.ascii_letters + string.digits + string.punctuation.replace("'", "").replace('"', "")
    return "".join(secrets.choice(alphabet) for _ in range(50))


@pytest.fixture
def production_env(tmp_path):
    """What a deployment sets, and nothing else: no DJANGO_SECURE_COOKIES, no HSTS or redirect overrides."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": random_secret_key(),
        "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    }


def manage(env, *args):
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_under(env):
    """The security settings as the given environment makes them, read by a fresh interpreter."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_deploy_check_passes_at_warning_level_with_production_settings(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_turns_on_secure_cookies_hsts_and_the_https_redirect(production_env):
    values = settings_under(production_env)

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True and values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # The one silenced check: HSTS preload is the domain owner's opt-in (see settings).
    assert values["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]


def test_the_deploy_check_notices_what_a_deployment_turns_off(production_env):
    """The check is not a formality: without HSTS and the redirect it fails and says why."""
    production_env.update(DJANGO_HSTS_SECONDS="0", DJANGO_SECURE_SSL_REDIRECT="false")

    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_hsts_is_settable_by_the_environment(production_env):
    production_env.update(DJANGO_HSTS_SECONDS="600", DJANGO_HSTS_INCLUDE_SUBDOMAINS="false", DJANGO_HSTS_PRELOAD="true")

    values = settings_under(production_env)

    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SILENCED_SYSTEM_CHECKS"] == []


def test_plain_http_test_runs_switch_off_secure_cookies_and_the_redirect_together(production_env):
    """DJANGO_SECURE_COOKIES=false (scripts/test.sh, docker compose on a laptop) also defaults the redirect off."""
    production_env["DJANGO_SECURE_COOKIES"] = "false"
    assert settings_under(production_env)["SECURE_SSL_REDIRECT"] is False

    production_env["DJANGO_SECURE_SSL_REDIRECT"] = "true"
    values = settings_under(production_env)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_a_real_secret_key(production_env):
    del production_env["DJANGO_SECRET_KEY"]

    result = manage(production_env, "check", "--deploy")

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
