"""A mail server that refuses: the worker backs off, gives up visibly, and never sends twice.

The worker sends through Django's SMTP backend to a fake SMTP server on loopback that
refuses in turn with a 421 greeting, a 554 greeting, a hang-up and a 451 to MAIL FROM.
Beat runs the outbox sweep every second meanwhile, so the tests also show that the sweep
leaves a message to its scheduled retry and a given-up message alone.
"""

import re
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from cases.tests.factories import UserFactory
from escalations.models import Escalation
from tests.integration.harness import BrowserSession

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ESCALATION = {"reason": "time_constraint", "summary": "Our go-live is on Friday and this blocks it."}
DELIVERY_TIMEOUT = 30
RETRY_LINE = re.compile(r"deliver_notification\[([0-9a-f-]+)\] retry: Retry in")
FAILURE_LINE = re.compile(
    r"Delivery of notification (\d+) failed \(attempt (\d+) of \d+\): .*; next attempt in ([0-9.]+) s"
)
SWEEP_DONE = re.compile(r"redeliver_unsent\[[0-9a-f-]+\] succeeded")
REDELIVER_AFTER = 2  # seconds: the harness's PORTAL_REDELIVER_AFTER_SECONDS


def escalate(stack, acme):
    status, body = stack.api("POST", f"/api/v1/cases/{acme.case.pk}/escalations/", token=acme.token, payload=ESCALATION)
    assert status == 201, body
    escalation = Escalation.objects.get(pk=body["id"])
    keys = set(escalation.notifications.values_list("dedupe_key", flat=True))
    assert len(keys) == 4  # two escalation managers, the CSM, the customer
    return escalation, keys


def all_delivered(smtp, escalation, keys):
    """Every row marked sent and every key received by the server at least once."""
    received = smtp.received()
    return all(received[key] for key in keys) and not escalation.notifications.filter(sent_at=None).exists()


def wait_for_two_sweeps(stack, worker, escalation):
    """Return once two outbox sweeps have run since the escalation's messages became old
    enough for the sweep to take them (so whatever it would resend, it has resent)."""
    eligible_in = (escalation.created_at + timedelta(seconds=REDELIVER_AFTER) - timezone.now()).total_seconds()
    time.sleep(max(eligible_in, 0))
    done = len(SWEEP_DONE.findall(worker.log_text()))
    stack.wait_for(lambda: len(SWEEP_DONE.findall(worker.log_text())) >= done + 2, DELIVERY_TIMEOUT, "two sweeps")


def step(n, *, base, cap):
    return min(cap, base * 2 ** (n - 1))


def test_while_smtp_refuses_deliveries_back_off_and_each_email_goes_out_once_it_accepts(stack, acme, smtp, figures):
    base, cap = 0.3, 1.2
    smtp.refuse()
    worker = stack.worker(
        **smtp.worker_env(),
        PORTAL_DELIVERY_RETRY_BASE_SECONDS=str(base),
        PORTAL_DELIVERY_RETRY_CAP_SECONDS=str(cap),
        PORTAL_DELIVERY_MAX_ATTEMPTS="100",
    )
    stack.start(worker, stack.beat(), stack.web())
    escalation, keys = escalate(stack, acme)
    refusing_since = time.monotonic()

    def attempts():
        return list(escalation.notifications.values_list("attempts", flat=True))

    # Five attempts each: four retries, the last two at the cap.
    stack.wait_for(lambda: min(attempts()) >= 5, DELIVERY_TIMEOUT, "every message to be refused five times")
    smtp.accept()
    refused_for = time.monotonic() - refusing_since
    accepted_at = time.monotonic()
    stack.wait_for(lambda: all_delivered(smtp, escalation, keys), DELIVERY_TIMEOUT, "every email once accepted")
    delivered_in = time.monotonic() - accepted_at
    stack.wait_for(stack.queue_is_drained, DELIVERY_TIMEOUT, "no retry left in the queue")
    wait_for_two_sweeps(stack, worker, escalation)  # nothing may be sent again

    assert smtp.received() == Counter(dict.fromkeys(keys, 1))
    rows = list(escalation.notifications.all())
    assert all(row.failed_at is None and row.next_attempt_at is None and row.last_error == "" for row in rows)
    log = worker.log_text()
    failures = FAILURE_LINE.findall(log)
    delays = [float(delay) for _, _, delay in failures]
    for _, attempt, delay in failures:
        ceiling = step(int(attempt), base=base, cap=cap)
        # Logged to the millisecond: allow for the rounding.
        assert ceiling / 2 - 0.001 <= float(delay) <= ceiling + 0.001, (attempt, delay)
    # Every attempt but the last of each message failed and was logged with its delay...
    assert sum(row.attempts for row in rows) == len(failures) + len(rows)
    for row in rows:
        assert [int(n) for id_, n, _ in failures if int(id_) == row.pk] == list(range(1, row.attempts))
    # ...and all of them ran in one retry chain per message, started by the request's own
    # hand-off: none was started by the sweep, which leaves a message to its scheduled retry.
    chains = set(RETRY_LINE.findall(log))
    assert len(chains) == len(rows)
    assert len({round(d, 3) for d in delays}) > len(delays) // 2  # jittered: messages do not retry in step
    refusals = Counter(how for _, how in smtp.refusals)
    assert set(refusals) == {"greeting_421", "greeting_554", "hang_up", "mail_451"}
    figures(
        f"SMTP refusing for {refused_for:.1f} s ({sum(refusals.values())} connections refused: 421/554 greeting, "
        f"hang-up, 451 to MAIL): {len(delays)} retries in {len(chains)} chains, delays {min(delays):.2f}-"
        f"{max(delays):.2f} s (base {base} s, cap {cap} s), each in its jitter band; accepted again: "
        f"{len(keys)} emails in {delivered_in:.1f} s, each exactly once"
    )


def test_a_message_refused_too_often_is_marked_failed_and_an_admin_can_send_it_again(stack, acme, smtp, figures):
    smtp.refuse()
    worker = stack.worker(
        **smtp.worker_env(),
        PORTAL_DELIVERY_RETRY_BASE_SECONDS="0.2",
        PORTAL_DELIVERY_RETRY_CAP_SECONDS="0.4",
        PORTAL_DELIVERY_MAX_ATTEMPTS="3",
    )
    stack.start(worker, stack.beat(), stack.web())
    password = "an-admin-password-for-the-fault-tests"
    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    # The server checks with its own hashers, which do not include the test settings' fast MD5.
    admin_user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    admin_user.save(update_fields=["password"])
    escalation, keys = escalate(stack, acme)
    started = time.monotonic()

    def given_up():
        return escalation.notifications.filter(failed_at__isnull=False).count() == len(keys)

    stack.wait_for(given_up, DELIVERY_TIMEOUT, "every message to be given up")
    gave_up_in = time.monotonic() - started
    refused = smtp.refused_count()
    assert list(escalation.notifications.values_list("attempts", flat=True)) == [3] * len(keys)
    wait_for_two_sweeps(stack, worker, escalation)
    assert list(escalation.notifications.values_list("attempts", flat=True)) == [3] * len(keys)
    assert smtp.refused_count() == refused
    assert not escalation.notifications.filter(failed_at=None).exists()
    assert all("SMTP" in row.last_error for row in escalation.notifications.all())
    assert "Gave up notification" in worker.log_text()

    admin = BrowserSession(stack.base_url)
    assert admin.sign_in("/admin/login/", "admin", password)
    changelist = "/admin/notifications/notification/"
    status, _, page = admin.get(changelist + "?delivery=failed")
    assert status == 200
    assert f"{len(keys)} notifications" in page
    assert admin.get(changelist + "?delivery=waiting")[2].count('name="_selected_action"') == 0
    assert "Retry delivery" in page

    smtp.accept()
    ids = list(escalation.notifications.values_list("id", flat=True))
    status, headers, _ = admin.post(changelist, {"action": "retry_delivery", "_selected_action": ids, "index": 0})
    assert status == 302, "the action answers with a redirect to the list"
    retried_at = time.monotonic()
    stack.wait_for(lambda: all_delivered(smtp, escalation, keys), DELIVERY_TIMEOUT, "the retried messages")
    delivered_in = time.monotonic() - retried_at
    stack.wait_for(stack.queue_is_drained, DELIVERY_TIMEOUT, "the task queue to drain")
    assert smtp.received() == Counter(dict.fromkeys(keys, 1))
    assert list(escalation.notifications.values_list("attempts", "failed_at")) == [(1, None)] * len(keys)
    figures(
        f"SMTP refusing, 3 attempts allowed: all {len(keys)} messages marked failed {gave_up_in:.1f} s after the "
        f"escalation ({refused} refusals), no further attempt through 2 sweeps; admin filter 'failed' listed "
        f"{len(keys)}; 'Retry delivery' -> {len(keys)} emails in {delivered_in:.1f} s, each exactly once"
    )
