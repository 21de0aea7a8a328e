"""The Celery app, configured from Django settings (the ``CELERY_`` names)."""

import logging
import logging.config
import os

from celery import Celery, bootsteps
from celery.concurrency.thread import TaskPool as ThreadsPool
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


# How long, at most, a finished task's acknowledgement waits for the worker's event loop.
EVENT_LOOP_TICK_SECONDS = 0.05


class WakeTheEventLoopOften(bootsteps.StartStopStep):
    """celery#6941: with the threads pool, a task acknowledged in its thread does not wake the
    worker's event loop. With every prefetch slot taken, the loop then sleeps until the next
    network event before it asks Redis for more: a burst of 50 outage pages on 4 threads was
    mailed a median of 11.65 s after the raises, not 0.39 s (bench/burst_latency.py). A timer
    that fires every 50 ms bounds that sleep (the workaround given in the issue).

    A consumer step, not a worker_ready receiver: the consumer clears its timer when the
    broker connection is lost, and Celery starts its steps again on every reconnection.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        if isinstance(consumer.pool, ThreadsPool):
            consumer.timer.call_repeatedly(EVENT_LOOP_TICK_SECONDS, _nothing)


def _nothing():
    pass


app.steps["consumer"].add(WakeTheEventLoopOften)
