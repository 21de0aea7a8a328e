"""What a Celery worker does each time it connects to the broker: hand over what waits.

A worker that comes up after being killed, or that reconnects after the broker went away,
finds rows whose messages never reached the broker (published while it was down), were lost
with it (a broker that keeps nothing on disk), or sit unacknowledged under a dead worker's
name until the visibility timeout (an hour). Without this step they wait for the minute
sweep's age and lease; with it they are handed over within seconds of the reconnection.

A row whose message is still queued gets a second one, once per reconnection: delivery's
claim makes that harmless, and the lease keeps a sweep from handing it a third time.

A worker killed while sending leaves that row claimed (``claimed_by`` names the node and the
killed process's boot id). Its next life, same node name and another boot id, releases such
claims first, so the row goes out now rather than when the lease lapses (minutes). This needs
node names unique among live workers, as Celery expects (it warns of a duplicate): each
compose container has its own host name, and `make run` starts one worker.
"""

import logging

from celery import bootsteps
from django.utils import timezone

from notifications.models import Notification
from notifications.tasks import claimant, hand_unsent

logger = logging.getLogger(__name__)


class HandUnsentOnConnect(bootsteps.StartStopStep):
    """A consumer step: Celery calls ``start`` on the first connection and after every reconnection."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        now = timezone.now()
        try:
            released = release_earlier_claims(getattr(consumer, "hostname", None), now=now)
            handed = hand_unsent(older_than=now, now=now)
        except Exception:  # noqa: BLE001 - a database or broker fault must not stop the consumer
            logger.exception("Could not hand unsent notifications on connecting; the sweep will")
            return
        if handed:
            logger.info(
                "Connected to the broker: handed %d unsent notifications to the queue "
                "(%d of them claimed by this worker's earlier life)", handed, released
            )


def release_earlier_claims(node_name: str | None, *, now) -> int:
    """Give back the unsent rows this node's earlier processes held when they died; return how many."""
    own = claimant(node_name)
    node = own.rsplit("/", 1)[0] + "/"
    return (
        Notification.objects.filter(sent_at=None, claimed_until__gt=now, claimed_by__startswith=node)
        .exclude(claimed_by=own)
        .update(claimed_until=None, claimed_by="")
    )
