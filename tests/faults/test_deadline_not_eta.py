"""The 4-hour review deadline lives in the database and the beat sweep, never in the broker.

A task published with an ETA four hours ahead would sit unacknowledged in a worker's
hands; Redis hands it to another worker after the visibility timeout (an hour), and a
worker restart loses or repeats it. So escalating publishes only the immediate outbox
deliveries; the deadline is a column the sweep compares with the clock.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from escalations.models import Escalation

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ESCALATION = {"reason": "time_constraint", "summary": "Our go-live is on Friday and this blocks it."}


def queued_tasks(redis_server):
    """(task name, args, headers) of each message waiting in the default queue, oldest first."""
    with redis_server.client() as client:
        raw_messages = client.lrange("celery", 0, -1)
        unacked = client.hlen("unacked")
    tasks = []
    for raw in reversed(raw_messages):  # kombu LPUSHes: the oldest is at the right
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], args, message["headers"]))
    return tasks, unacked


def test_escalating_publishes_no_task_with_an_eta_and_keeps_the_deadline_in_the_database(stack, acme, figures):
    stack.start(stack.web())  # no worker: whatever the request publishes stays in Redis to be read
    before = timezone.now()
    status, body = stack.api("POST", f"/api/v1/cases/{acme.case.pk}/escalations/", token=acme.token, payload=ESCALATION)
    assert status == 201, body
    escalation = Escalation.objects.get(pk=body["id"])

    tasks, unacked = queued_tasks(stack.redis)

    outbox = set(escalation.notifications.values_list("id", flat=True))
    assert len(outbox) == 4
    # One message for the whole outbox (the worker fans it out to one task per row).
    assert [name for name, _, _ in tasks] == ["notifications.tasks.deliver_notifications"]
    assert set(tasks[0][1][0]) == outbox
    assert [(headers["eta"], headers["expires"]) for _, _, headers in tasks] == [(None, None)] * len(tasks)
    assert unacked == 0
    # The deadline: four business hours on the organization's calendar, in the row, for the sweep.
    assert escalation.review_due_at >= before + timedelta(hours=4)
    sweep = settings.CELERY_BEAT_SCHEDULE["review-deadline-sweep"]
    assert sweep["task"] == "escalations.tasks.sweep_review_deadlines_task"
    figures(
        f"escalation POST published {len(tasks)} task(s) to Redis, {sum(1 for *_, h in tasks if h['eta'])} with an "
        f"ETA; review_due_at {escalation.review_due_at:%a %H:%M} UTC kept in the database for the beat sweep "
        f"(every {sweep['schedule'].total_seconds():.0f} s)"
    )
