"""Production refuses to start with the insecure defaults.

Checked where the portal starts serving or sending (the WSGI/ASGI application, the Celery
worker and beat), not at settings import: offline commands such as makemigrations, check
or collectstatic need no secret, and Django would hide an error raised while it loads
settings behind an unrelated "Models aren't loaded yet".
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

INSECURE_SECRET_KEY = "insecure-development-key-do-not-use-in-production"


def refuse_insecure_defaults():
    if settings.DEBUG:
        return
    if settings.SECRET_KEY == INSECURE_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY to a long random value (or DJANGO_DEBUG=true for development)."
        )


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs):
    """``check --deploy`` says the same as a refused start, before the deployment tries one."""
    try:
        refuse_insecure_defaults()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="portal.E001")]
    return []
