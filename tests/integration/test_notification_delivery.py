"""Escalation email, end to end: gunicorn, a Redis broker, a Celery worker and beat, real files.

The customer escalates over HTTP; the outbox rows are written in the request's
transaction and handed to the worker on commit; the worker mails each one through the
file-based backend, so every email sent is a file we can count. Each test then breaks
something production breaks (the broker, the worker) and checks the promise in
DESIGN.md: nothing lost, nothing sent twice.

The environment shortens the periodic work: beat runs the sweeps every second, the
outbox sweep re-enqueues what has been unsent for 2 s, and a delivery's claim lapses
after 5 s.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from escalations.models import Escalation
from notifications.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ESCALATION = {"reason": "time_constraint", "summary": "Our go-live is on Friday and this blocks it."}
DELIVERY_TIMEOUT = 30  # seconds; a healthy run needs a few


def escalate_over_http(stack, acme):
    """POST the escalation; return (escalation, seconds the request took)."""
    started = time.monotonic()
    status, body = stack.api("POST", f"/api/v1/cases/{acme.case.pk}/escalations/", token=acme.token, payload=ESCALATION)
    took = time.monotonic() - started
    assert status == 201, f"escalating answered {status}: {body}"
    return Escalation.objects.get(pk=body["id"]), took


def expected_keys(escalation, acme):
    """The Level 1 outbox: both escalation managers alerted, the CSM informed, the customer answered."""
    event = f"escalation-{escalation.pk}"
    return {
        *(f"escalation_alert:{event}:user-{user.pk}" for user in acme.escalation_managers),
        f"csm_informed:{event}:user-{acme.csm.pk}",
        f"escalation_received:{event}:user-{acme.customer.pk}",
    }


def is_delivered(stack, keys):
    """Every row sent and every key mailed at least once (duplicates are checked separately)."""
    mailed = stack.mailed()
    unsent = Notification.objects.filter(dedupe_key__in=keys, sent_at=None).exists()
    return not unsent and all(mailed[key] for key in keys)


def settled_mail(stack):
    """The mail counts once the worker has nothing left in hand: any late duplicate is in them."""
    stack.wait_for(stack.queue_is_drained, DELIVERY_TIMEOUT, "the task queue to drain")
    return stack.mailed()


def assert_mailed_exactly_once(mailed: Counter, keys):
    assert {key: mailed[key] for key in keys} == dict.fromkeys(keys, 1)
    assert set(mailed) == set(keys), f"unexpected emails: {set(mailed) - set(keys)}"


def test_escalating_over_http_delivers_the_escalation_managers_alert_within_seconds(stack, acme, figures):
    # No beat: the outbox sweep could hide a broken on-commit enqueue. Only the request's own
    # hand-off to the worker can deliver here.
    stack.up(worker=True, web=True)
    started = time.monotonic()
    escalation, request_took = escalate_over_http(stack, acme)
    keys = expected_keys(escalation, acme)
    assert set(escalation.notifications.values_list("dedupe_key", flat=True)) == keys

    first_alert = f"escalation_alert:escalation-{escalation.pk}:user-{acme.escalation_managers[0].pk}"
    stack.wait_for(lambda: stack.mailed()[first_alert], DELIVERY_TIMEOUT, "the escalation managers' alert email")
    alert_latency = time.monotonic() - started
    stack.wait_for(lambda: is_delivered(stack, keys), DELIVERY_TIMEOUT, "every notification to be delivered")
    all_latency = time.monotonic() - started

    assert_mailed_exactly_once(settled_mail(stack), keys)
    # Each delivered by the request's own hand-off, on the first attempt.
    assert list(escalation.notifications.values_list("attempts", flat=True)) == [1] * len(keys)
    figures(
        f"escalate -> alert email file: {alert_latency * 1000:.0f} ms (POST answered in {request_took * 1000:.0f} ms); "
        f"all {len(keys)} emails in {all_latency * 1000:.0f} ms, each exactly once"
    )


def test_an_escalation_made_while_redis_is_down_is_mailed_exactly_once_when_redis_returns(stack, acme, figures):
    worker, beat, web = stack.up(worker=True, beat=True, web=True)
    stack.redis.stop()
    went_down = time.monotonic()

    escalation, request_took = escalate_over_http(stack, acme)

    # The request succeeded on the database alone: the outbox holds the messages, unsent.
    keys = expected_keys(escalation, acme)
    assert escalation.case_id == acme.case.pk and escalation.level == 1
    assert set(escalation.notifications.values_list("dedupe_key", flat=True)) == keys
    delayed = escalation.notifications.filter(sent_at=None).count()
    assert delayed == len(keys)
    assert stack.mailed() == Counter()
    assert "Could not enqueue notification" in web.log_text()
    # Keep Redis down until the worker has failed to reconnect once and beat has failed to
    # publish a sweep: the test then shows both survive that, not merely a blip.
    stack.wait_for(lambda: "Cannot connect to" in worker.log_text(), 10, "the worker to fail to reconnect")
    stack.wait_for(lambda: "Couldn't apply scheduled task" in beat.log_text(), 10, "beat to fail to publish")

    stack.start_redis()  # same port, empty: whatever the broker held is gone
    came_back = time.monotonic()
    stack.wait_for(lambda: is_delivered(stack, keys), DELIVERY_TIMEOUT, "every delayed notification to be delivered")
    caught_up = time.monotonic() - came_back

    assert_mailed_exactly_once(settled_mail(stack), keys)
    # The same worker and beat processes reconnected by themselves (celery's broker_connection_retry).
    assert worker.is_running() and beat.is_running()
    assert worker.log_text().count(f"Connected to {stack.redis.url}") >= 2
    figures(
        f"broker down: POST answered 201 in {request_took * 1000:.0f} ms; {delayed} messages delayed; "
        f"outage {came_back - went_down:.1f} s; all delivered {caught_up:.1f} s after Redis returned, each exactly once"
    )


def test_a_worker_killed_mid_delivery_neither_loses_nor_duplicates_an_email(stack, acme, figures):
    slow_worker = stack.worker("slow-worker", EMAIL_BACKEND="tests.integration.slow_backend.EmailBackend")
    stack.start(slow_worker, stack.beat(), stack.web())
    escalation, _ = escalate_over_http(stack, acme)
    keys = expected_keys(escalation, acme)

    def delivery_under_way():
        return escalation.notifications.filter(sent_at=None, claimed_until__isnull=False).first()

    in_flight = stack.wait_for(delivery_under_way, DELIVERY_TIMEOUT, "a delivery to claim its row")
    stack.kill(slow_worker)  # SIGKILL to the main process and its pool child, mid-send
    killed_at = time.monotonic()
    abandoned = len(stack.abandoned_tags)  # stays unacked in Redis for the visibility timeout
    sent_before_kill = escalation.notifications.exclude(sent_at=None).count()
    in_flight.refresh_from_db()
    assert in_flight.sent_at is None and in_flight.claimed_until is not None  # the claim outlives the worker
    assert stack.mailed()[in_flight.dedupe_key] == 0

    stack.start(stack.worker("fresh-worker"))
    stack.wait_for(lambda: is_delivered(stack, keys), DELIVERY_TIMEOUT, "every notification to be delivered")
    recovered = time.monotonic() - killed_at

    assert_mailed_exactly_once(settled_mail(stack), keys)
    in_flight.refresh_from_db()
    assert in_flight.attempts >= 2  # claimed by the killed worker, then again once the lease lapsed
    figures(
        f"worker SIGKILLed mid-send ({sent_before_kill} of {len(keys)} sent before): all {len(keys)} delivered "
        f"{recovered:.1f} s after the kill, each exactly once; the interrupted one took {in_flight.attempts} attempts; "
        f"{abandoned} message(s) left unacked in Redis by the killed worker"
    )


def test_beat_marks_an_unanswered_escalation_overdue_and_mails_each_person_once(stack, acme, figures):
    stack.up(worker=True, beat=True, web=True)
    escalation, _ = escalate_over_http(stack, acme)
    # The four business hours have passed unanswered.
    Escalation.objects.filter(pk=escalation.pk).update(review_due_at=timezone.now() - timedelta(minutes=1))
    overdue_since = time.monotonic()

    def overdue_at():
        return Escalation.objects.values_list("overdue_at", flat=True).get(pk=escalation.pk)

    stack.wait_for(overdue_at, DELIVERY_TIMEOUT, "the sweep to mark the escalation overdue")
    marked = time.monotonic() - overdue_since
    event = f"escalation-{escalation.pk}"
    staff = [*acme.escalation_managers, *acme.support_managers]  # the level's responders and Support Management
    overdue_keys = {
        *(f"review_overdue:{event}:user-{user.pk}" for user in staff),
        f"review_overdue:{event}-requester:user-{acme.customer.pk}",
    }
    keys = expected_keys(escalation, acme) | overdue_keys
    stack.wait_for(lambda: is_delivered(stack, keys), DELIVERY_TIMEOUT, "the overdue alerts to be delivered")
    mailed_after = time.monotonic() - overdue_since

    assert_mailed_exactly_once(settled_mail(stack), keys)
    overdue_rows = escalation.notifications.filter(kind="review_overdue")
    assert set(overdue_rows.values_list("dedupe_key", flat=True)) == overdue_keys
    # Found already past its deadline: no "one hour left" warning after the fact.
    assert not escalation.notifications.filter(kind="review_due_soon").exists()
    figures(
        f"deadline sweep via beat: overdue_at set {marked:.1f} s after the deadline passed; "
        f"{len(overdue_keys)} review_overdue emails in {mailed_after:.1f} s, each exactly once"
    )
