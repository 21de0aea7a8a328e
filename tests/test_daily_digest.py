"""The daily digest: informational messages of a person who chose it are emailed once a day,
together; alerts are never held back."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from escalations.services import decide, escalate
from notifications import digest
from notifications.delivery import deliver
from notifications.models import EmailMode, Notification, Preferences
from notifications.outbox import notify
from notifications.selectors import inbox, unread_count, waiting_ids

# Monday 7 December 2026, 10:00 UTC (11:00 in Berlin); the digest hour is 08:00.
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def digest_at_eight(settings):
    settings.PORTAL_DIGEST_HOUR = 8


@pytest.fixture
def digest_customer(customer):
    Preferences.objects.create(user=customer, time_zone="Europe/Berlin", email_mode=EmailMode.DIGEST)
    return customer


def deliver_all():
    """What the worker would send of every row written so far."""
    for row_id in waiting_ids(Notification.objects.values_list("id", flat=True)):
        deliver(row_id)


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_an_informational_message_waits_for_the_digest_but_is_in_the_inbox_at_once(old_case, digest_customer):
    escalation = escalate(old_case, digest_customer, "other", "Please.", now=MONDAY)
    deliver_all()

    received = Notification.objects.get(escalation=escalation, kind="escalation_received")
    assert received.in_digest and received.covered_by is None
    assert mails_to(digest_customer) == []
    assert [n.pk for n in inbox(digest_customer)] == [received.pk]
    assert unread_count(digest_customer) == 1


def test_alerts_are_emailed_at_once_whatever_the_person_chose(old_case, digest_customer, escalation_manager):
    Preferences.objects.create(user=escalation_manager, email_mode=EmailMode.DIGEST)
    escalation = escalate(old_case, digest_customer, "other", "Please.", now=MONDAY)
    decide(escalation, escalation_manager, "not_accepted", "Support has it.", now=MONDAY + timedelta(hours=1))
    deliver_all()

    alert = Notification.objects.get(escalation=escalation, kind="escalation_alert", recipient=escalation_manager)
    declined = Notification.objects.get(escalation=escalation, kind="escalation_not_accepted")
    assert not alert.in_digest and not declined.in_digest
    assert [m.subject for m in mails_to(escalation_manager)] == [alert.subject]
    # The decline lets the customer escalate higher now: it is not held for tomorrow.
    assert [m.subject for m in mails_to(digest_customer)] == [declined.subject]


def test_someone_who_kept_immediate_email_gets_each_message_on_its_own(old_case, customer):
    escalate(old_case, customer, "other", "Please.", now=MONDAY)
    deliver_all()

    assert not Notification.objects.filter(in_digest=True).exists()
    assert [m.subject for m in mails_to(customer)] == [Notification.objects.get(kind="escalation_received").subject]


def test_one_digest_a_day_covers_what_came_before_the_digest_hour_exactly_once(
    old_case, digest_customer, make_old_case
):
    first = escalate(old_case, digest_customer, "other", "Please.", now=MONDAY)
    second = escalate(make_old_case(subject="Second case"), digest_customer, "other", "This one too.",
                      now=MONDAY + timedelta(hours=2))  # fmt: skip
    waiting = list(Notification.objects.filter(in_digest=True).order_by("created_at"))
    assert len(waiting) == 2

    # Tuesday 07:59 in Berlin: Monday's digest (due Monday 08:00) covers only what came before it.
    tuesday_early = datetime(2026, 12, 8, 6, 59, tzinfo=UTC)
    assert digest.send_daily_digests(now=tuesday_early) == 0
    # Tuesday 08:10 in Berlin: Tuesday's digest is due and covers both.
    tuesday = datetime(2026, 12, 8, 7, 10, tzinfo=UTC)
    assert digest.send_daily_digests(now=tuesday) == 1
    assert digest.send_daily_digests(now=tuesday + timedelta(minutes=10)) == 0  # beat runs again
    deliver_all()
    deliver_all()

    [sent] = mails_to(digest_customer)
    assert sent.subject == "Your daily digest: 2 updates from the Case Portal"
    assert f"case #{first.case_id}" in sent.body and f"case #{second.case_id}" in sent.body
    assert "Mon 7 Dec 2026, 11:00 CET" in sent.body  # when the first came, in the reader's zone
    row = Notification.objects.get(kind="daily_digest")
    assert row.dedupe_key == f"daily_digest:day-2026-12-08:user-{digest_customer.pk}"
    assert set(Notification.objects.filter(covered_by=row).values_list("pk", flat=True)) == {n.pk for n in waiting}
    # The digest sums up the inbox; it is not an inbox item, nor unread.
    assert row.pk not in [n.pk for n in inbox(digest_customer)]
    assert unread_count(digest_customer) == 2


def test_what_comes_after_the_days_digest_waits_for_the_next_one(old_case, digest_customer, make_old_case):
    escalate(old_case, digest_customer, "other", "Please.", now=MONDAY)
    tuesday = datetime(2026, 12, 8, 7, 10, tzinfo=UTC)
    assert digest.send_daily_digests(now=tuesday) == 1
    later = escalate(make_old_case(subject="Later"), digest_customer, "other", "Later.", now=tuesday)

    assert digest.send_daily_digests(now=tuesday + timedelta(hours=12)) == 0
    assert digest.send_daily_digests(now=tuesday + timedelta(days=1)) == 1

    covering = Notification.objects.get(escalation=later, kind="escalation_received").covered_by
    assert covering.dedupe_key.startswith("daily_digest:day-2026-12-09:")
    assert Notification.objects.filter(kind="daily_digest").count() == 2


def test_a_digest_is_rendered_in_its_readers_zone_with_links_that_open(client, old_case, digest_customer):
    escalation = escalate(old_case, digest_customer, "other", "Please.", now=MONDAY)
    digest.send_daily_digests(now=MONDAY + timedelta(days=1))
    body = Notification.objects.get(kind="daily_digest").body

    assert "Mon 7 Dec 2026, 11:00 CET" in body
    link = next(line.strip() for line in body.splitlines() if f"/cases/{old_case.pk}/" in line)
    client.force_login(digest_customer)
    path = link.split("8000", 1)[1]
    assert client.get(path).status_code == 200
    assert f"#escalation-{escalation.level}" in path


def test_the_beat_task_is_scheduled_and_runs(settings, old_case, digest_customer):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == digest.send_daily_digests_task.name)
    assert entry["schedule"].total_seconds() <= 3600

    escalate(old_case, digest_customer, "other", "Please.", now=datetime(2026, 2, 10, 10, 0, tzinfo=UTC))
    assert digest.send_daily_digests_task.apply().get() == 1


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (datetime(2026, 12, 8, 6, 59, tzinfo=UTC), "2026-12-07"),  # 07:59 in Berlin
        (datetime(2026, 12, 8, 7, 0, tzinfo=UTC), "2026-12-08"),  # 08:00 exactly
        (datetime(2026, 7, 8, 6, 0, tzinfo=UTC), "2026-07-08"),  # 08:00 CEST
        (datetime(2026, 7, 8, 5, 59, tzinfo=UTC), "2026-07-07"),
    ],
)
def test_the_digest_due_follows_the_readers_clock(now, day):
    due_day, cutoff = digest.digest_due(now, ZoneInfo("Europe/Berlin"))

    assert due_day.isoformat() == day
    assert cutoff.astimezone(ZoneInfo("Europe/Berlin")).hour == 8
    assert cutoff <= now


def test_a_message_written_twice_is_still_one_row_waiting(case, digest_customer):
    for _ in range(2):
        notify(
            recipients=[digest_customer],
            kind="escalation_received",
            context={"case": case, "escalation": None, "level": None},
            case=case,
            event="twice",
            now=MONDAY,
        )

    assert Notification.objects.filter(in_digest=True).count() == 1
