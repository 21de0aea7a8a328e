"""Heartbeats: how /readyz knows that beat schedules and that a worker executes.

Design. Beat runs ``ops.tasks.heartbeat`` every PORTAL_HEARTBEAT_SECONDS (30 s). Two rows of
``ops.Heartbeat`` record two different facts:

- ``beat``: written by the beat process itself, in the ``before_task_publish`` signal, when it
  hands that task to the broker. Only a beat that is alive and ticking writes it, whether or
  not any worker is up. (``beat_init`` marks the process as beat, so a task published from a
  shell or a web request never counts as beat's tick.)
- ``worker``: written by a worker when it runs the task. The task travels the whole way a
  notification does (broker, worker main process, pool, database), so a worker whose pool is
  dead while its main process still answers pings (issue 11's first fault) goes stale too:
  a ``control.ping`` would miss that. The message expires after one period, so a worker that
  comes back after an outage does not work through a pile of old heartbeats first.

Either row older than PORTAL_HEARTBEAT_STALE_SECONDS (90 s, three missed periods) fails
/readyz, so it turns unhealthy within 90 s plus one probe interval of the worker or beat
dying (well within 2 minutes), and healthy again with the first heartbeat after a restart
(within one period). When beat is down the worker row goes stale too, since nothing
schedules the task: /readyz then says so rather than blame the worker.

The clock is the database writer's ``timezone.now()``: web, worker and beat are expected to
share a clock (one machine, or NTP), as the delivery leases already assume.
"""

import logging

from celery.signals import beat_init, before_task_publish
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "ops.tasks.heartbeat"
BEAT = "beat"
WORKER = "worker"

# Set in the beat process only (beat_init): publishes from anywhere else are not beat's tick.
_in_beat = False


def record(name, *, now=None):
    """Store that the process ``name`` was alive at ``now`` (one upsert)."""
    from ops.models import Heartbeat

    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now or timezone.now()})


@beat_init.connect(dispatch_uid="ops.heartbeat.mark_beat")
def mark_beat(**kwargs):
    global _in_beat
    _in_beat = True


@before_task_publish.connect(dispatch_uid="ops.heartbeat.beat_tick")
def beat_tick(sender=None, **kwargs):
    """In beat, as it publishes the heartbeat task: record beat's own heartbeat.

    Beat is not a request: nothing else closes its connection, so a database restart would
    leave it broken. Checked before and closed after (one connect every 30 s is cheap). A
    failure is logged and never stops beat from publishing.
    """
    if not _in_beat or sender != HEARTBEAT_TASK:
        return
    try:
        close_old_connections()
        record(BEAT)
    except DatabaseError:
        logger.warning("Could not record beat's heartbeat", exc_info=True)
    finally:
        connection.close()
