"""The retry rules for a refused email, without servers: backoff schedule, giving up, the admin's retry.

The SMTP refusals against a real worker are in test_smtp_refusals.py; these pin the
rules those runs follow, and the "not accepted" reply's promise (auto-replied, once).
"""

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cases.tests.factories import UserFactory
from escalations.services import AlreadyDecided, decide, escalate
from notifications import delivery, outbox
from notifications.delivery import DeliveryPolicy, deliver, is_given_up, retry_delay
from notifications.models import Notification
from notifications.selectors import unsent_ids
from notifications.tasks import deliver_notification, deliver_notifications

REFUSING = "notifications.tests.failing_backend.RefusingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
POLICY = DeliveryPolicy(base_seconds=30, cap_seconds=600, max_attempts=4)


class Ceiling:
    """An rng that always draws the top of the band: the schedule's steps, exactly."""

    def uniform(self, low, high):
        return high


class Floor:
    def uniform(self, low, high):
        return low


# The schedule


def test_the_backoff_doubles_from_the_base_and_stops_at_the_cap():
    steps = [retry_delay(n, base=30, cap=600, rng=Ceiling()) for n in range(1, 10)]

    assert steps == [30, 60, 120, 240, 480, 600, 600, 600, 600]


def test_no_retry_comes_sooner_than_half_its_step():
    floors = [retry_delay(n, base=30, cap=600, rng=Floor()) for n in range(1, 8)]

    assert floors == [15, 30, 60, 120, 240, 300, 300]


@given(
    attempts=st.integers(min_value=1, max_value=1000),
    base=st.floats(min_value=0.01, max_value=3600),
    cap=st.floats(min_value=0.01, max_value=86_400),
    seed=st.integers(),
)
def test_every_delay_lies_in_its_jitter_band_and_never_exceeds_the_cap(attempts, base, cap, seed):
    delay = retry_delay(attempts, base=base, cap=cap, rng=random.Random(seed))

    step = min(cap, base * 2 ** (attempts - 1))
    assert step / 2 <= delay <= step <= cap


def test_messages_that_failed_together_spread_out_over_their_band():
    rng = random.Random(7)
    delays = [retry_delay(3, base=30, cap=600, rng=rng) for _ in range(1000)]

    assert 60 <= min(delays) < 63 and 117 < max(delays) <= 120
    assert len({round(d, 6) for d in delays}) == 1000
    # About as many in each half of the band: no herd at either end.
    assert 400 < sum(d < 90 for d in delays) < 600


# Giving up


@pytest.mark.parametrize(("attempts", "given_up"), [(1, False), (3, False), (4, True), (5, True)])
def test_a_message_is_given_up_once_it_has_failed_the_allowed_number_of_times(attempts, given_up):
    assert is_given_up(attempts, max_attempts=4) is given_up


@pytest.fixture
def row(case, customer):
    outbox.notify(
        recipients=[customer], kind="escalation_received", context={"case": case, "escalation": None, "level": None},
        case=case, event="policy-1", now=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    return Notification.objects.get()


def test_each_failure_schedules_the_next_attempt_within_its_band(row, settings):
    settings.EMAIL_BACKEND = REFUSING
    for n in (1, 2, 3):
        before = timezone.now()
        with pytest.raises(ConnectionRefusedError):
            deliver(row.id, policy=POLICY)
        row.refresh_from_db()
        step = timedelta(seconds=min(600, 30 * 2 ** (n - 1)))

        assert (row.attempts, row.failed_at, row.claimed_until) == (n, None, None)
        assert before + step / 2 <= row.next_attempt_at <= timezone.now() + step
        assert row.last_error.startswith("ConnectionRefusedError")


def test_the_last_allowed_failure_marks_the_message_failed_and_nothing_tries_it_again(row, settings, monkeypatch):
    settings.EMAIL_BACKEND = REFUSING
    for _ in range(POLICY.max_attempts):
        with pytest.raises(ConnectionRefusedError):
            deliver(row.id, policy=POLICY)
    row.refresh_from_db()
    assert row.attempts == 4 and row.failed_at is not None and row.next_attempt_at is None

    settings.EMAIL_BACKEND = LOCMEM
    assert deliver(row.id, policy=POLICY) is False  # the claim refuses a given-up row
    far_future = timezone.now() + timedelta(days=1)
    assert unsent_ids(older_than=far_future, now=far_future) == []  # the sweep leaves it alone
    published = []
    monkeypatch.setattr(deliver_notification, "delay", published.append)
    deliver_notifications([row.id])  # the worker's fan-out of a batch that holds it
    assert published == []
    assert mail.outbox == []


def test_the_sweep_leaves_a_failed_send_to_its_scheduled_retry(row):
    now = timezone.now()
    Notification.objects.filter(id=row.id).update(attempts=1, next_attempt_at=now + timedelta(seconds=30))

    # The sweep takes what has waited a minute past its due time, as for a fresh row.
    assert unsent_ids(older_than=now - timedelta(minutes=1), now=now) == []
    later = now + timedelta(seconds=95)
    assert unsent_ids(older_than=later - timedelta(minutes=1), now=later) == [row.id]


def test_a_delivery_task_that_arrives_before_the_retry_time_leaves_the_row_to_its_retry(row, settings):
    now = timezone.now()
    Notification.objects.filter(id=row.id).update(attempts=1, next_attempt_at=now + timedelta(seconds=30))

    # Queued by the sweep before the first attempt failed, or redelivered by the broker.
    assert deliver(row.id, now=now, wait_for_retry_time=True) is False
    row.refresh_from_db()
    assert row.attempts == 1 and mail.outbox == []
    assert deliver(row.id, now=now + timedelta(seconds=30), wait_for_retry_time=True) is True
    assert len(mail.outbox) == 1


def test_the_task_retries_a_refused_send_when_the_row_says_and_stops_once_given_up(row, settings, monkeypatch):
    settings.EMAIL_BACKEND = REFUSING
    settings.PORTAL_DELIVERY_RETRY_BASE_SECONDS = 30
    settings.PORTAL_DELIVERY_RETRY_CAP_SECONDS = 600
    settings.PORTAL_DELIVERY_MAX_ATTEMPTS = 2
    countdowns = []

    class Retry(Exception):
        pass

    def retry(exc=None, countdown=None, **options):
        countdowns.append(countdown)
        return Retry()

    monkeypatch.setattr(deliver_notification, "retry", retry)

    with pytest.raises(Retry):
        deliver_notification(row.id)
    assert len(countdowns) == 1 and 15 - 1 <= countdowns[0] <= 30

    Notification.objects.filter(id=row.id).update(next_attempt_at=timezone.now())  # the retry is due
    deliver_notification(row.id)  # the second refusal is the last allowed: no retry
    row.refresh_from_db()
    assert countdowns == countdowns[:1] and row.failed_at is not None and row.attempts == 2


def test_the_policy_follows_the_settings(settings):
    settings.PORTAL_DELIVERY_MAX_ATTEMPTS = 3
    settings.PORTAL_DELIVERY_RETRY_BASE_SECONDS = 0.5

    assert delivery.delivery_policy().max_attempts == 3
    assert delivery.delivery_policy().base_seconds == 0.5


# What admins see and do


def test_admins_filter_messages_by_delivery_and_retry_the_failed_ones(
    admin_client, row, case, customer, monkeypatch, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Notification.objects.filter(id=row.id).update(attempts=4, failed_at=now, last_error="SMTPConnectError: 421")
    sent = Notification.objects.create(
        recipient=customer, kind="escalation_received", subject="s", body="b", case=case, dedupe_key="sent-1",
        sent_at=now, attempts=1,
    )  # fmt: skip
    changelist = reverse("admin:notifications_notification_changelist")

    def listed(delivery):
        response = admin_client.get(changelist, {"delivery": delivery})
        assert response.status_code == 200, delivery
        return set(response.context["cl"].result_list)

    assert (listed("sent"), listed("waiting"), listed("failed")) == ({sent}, set(), {row})
    published = []
    monkeypatch.setattr(deliver_notifications, "delay", published.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist, {"action": "retry_delivery", "_selected_action": [row.id, sent.id]}, follow=True
        )

    assert response.status_code == 200
    assert "1 message(s) handed to the worker again." in response.content.decode()
    row.refresh_from_db()
    assert (row.failed_at, row.attempts, row.next_attempt_at) == (None, 0, None)
    assert published == [[row.id]]  # on commit, in one message; the sent one untouched
    assert listed("waiting") == {row}


def test_staff_without_the_change_permission_do_not_see_the_retry_action(client, row):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)

    response = client.get(reverse("admin:notifications_notification_changelist"))

    assert response.status_code == 200
    assert "retry_delivery" not in response.content.decode()


# The "not accepted" reply


def test_the_not_accepted_reply_is_auto_replied_and_sent_at_most_once(case, customer, escalation_manager):
    case.created_at = timezone.now() - timedelta(days=3)
    case.save(update_fields=["created_at"])
    escalation = escalate(case, customer, "other", "Please look again.")
    decide(escalation, escalation_manager, "not_accepted", "This is a configuration question.")
    with pytest.raises(AlreadyDecided):
        decide(escalation, escalation_manager, "not_accepted", "Declined again.")
    reply = Notification.objects.get(kind="escalation_not_accepted")

    assert deliver(reply.id) is True
    assert deliver(reply.id) is False

    sent = [m for m in mail.outbox if m.extra_headers["X-Portal-Notification"] == reply.dedupe_key]
    assert len(sent) == 1
    assert sent[0].extra_headers["Auto-Submitted"] == "auto-replied"
