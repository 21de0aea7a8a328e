"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

import logging
import logging.config
import os

from celery import Celery
from celery.signals import beat_init, celeryd_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_insecure_defaults(**kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from portal.startup import refuse_insecure_defaults as refuse

    try:
        refuse()
    except ImproperlyConfigured as error:
        # Celery logs and ignores exceptions from signal receivers; SystemExit stops it.
        raise SystemExit(f"Refusing to start: {error}") from None


@celeryd_init.connect
def log_as_configured_from_the_start(**kwargs):
    # The worker warns (running as root, for one) before Django has configured logging:
    # configured now, those lines are JSON too when LOG_FORMAT=json.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    logging.captureWarnings(True)
