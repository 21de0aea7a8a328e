"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

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
