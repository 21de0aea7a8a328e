"""seed_load: years of support history in bulk, consistent enough for the portal to work on it."""

from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q

from cases import people as roles
from cases.models import Case, CaseComment, CaseStatus, Organization, Severity
from escalations import deadlines, services
from escalations.deadlines import sweep_review_deadlines
from escalations.models import Escalation, EscalationLevel, EscalationStatus
from escalations.selectors import calendar_map, review_queue
from escalations.services import check_eligibility, review_deadlines
from notifications.models import Notification
from notifications.outbox import notifications_build

# A Friday afternoon, when the queue is fullest.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def seed_load(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_load", "--cases", "300", "--escalations", "60", "--organizations", "12",
                     "--pending-share", "0.25", "--force", *args, stdout=out)
    return out.getvalue()


def queue_waiting(user) -> int:
    return review_queue(user=user, status=EscalationStatus.PENDING).count()


@pytest.fixture
def loaded(db):
    return seed_load("--seed", "7")


def test_it_writes_the_numbers_asked_for(loaded):
    assert Case.objects.count() == 300
    assert Escalation.objects.count() == 60
    assert Organization.objects.count() == 12
    assert "Loaded l1: 300 cases, 60 escalations (15 waiting for review)" in loaded
    # A conversation on most cases, and the escalations' own messages.
    assert 2 <= CaseComment.objects.count() / 300 <= 4


def test_every_severity_status_level_and_escalation_status_appears(loaded):
    assert set(Case.objects.values_list("severity", flat=True)) == set(Severity.values)
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert set(Escalation.objects.values_list("level", flat=True)) == {1, 2, 3, 4}
    assert set(Escalation.objects.values_list("status", flat=True)) == set(EscalationStatus.values)
    assert not Escalation.objects.filter(case__severity=Severity.OUTAGE).exists()


def test_the_review_queue_holds_the_pending_share(loaded):
    manager = get_user_model().objects.get(username="l1-escalation-managers-00001")

    assert roles.is_escalation_staff(manager)
    assert queue_waiting(manager) == 15
    pending = review_queue(user=manager, status=EscalationStatus.PENDING).select_related("case__organization")
    calendars = calendar_map()
    with time_machine.travel(NOW, tick=False):
        left = [calendars.business_time_left(e, NOW).total_seconds() for e in pending]
    # Some still within their deadline, some overdue: both kinds of row on the page.
    assert min(left) < 0 < max(left)


def test_review_deadlines_are_the_portals_own(loaded):
    levels = {level.number: level for level in EscalationLevel.objects.all()}
    escalations = Escalation.objects.select_related("case__organization__region__calendar")
    for escalation in escalations:
        assert review_deadlines(escalation.case, levels[escalation.level], escalation.created_at) == (
            escalation.due_soon_at,
            escalation.review_due_at,
        )
    assert not Escalation.objects.filter(created_at__lt=F("case__created_at")).exists()


def test_the_deadline_sweep_finds_nothing_left_to_do(loaded):
    # Every alert that was due has been "sent": a sweep straight after the load is a no-op.
    result = sweep_review_deadlines(now=NOW)

    assert (result.due_soon, result.overdue) == (0, 0)
    overdue = Escalation.objects.filter(status=EscalationStatus.PENDING, review_due_at__lte=NOW)
    assert overdue.exists()
    assert not overdue.filter(overdue_at=None).exists()


def test_every_escalation_notified_its_people_and_all_was_sent(loaded):
    received = Notification.objects.filter(kind="escalation_received", recipient=F("escalation__requested_by"))

    assert received.count() == 60
    assert not Notification.objects.filter(sent_at=None).exists()
    # Level 1 alerts every Escalation Manager, as escalations.services.alert_recipients does.
    managers = get_user_model().objects.filter(groups__name=roles.ESCALATION_MANAGERS, is_active=True).count()
    level_1 = Escalation.objects.filter(level=1).annotate(
        alerts=Count("notifications", filter=Q(notifications__kind="escalation_alert"))
    )
    assert {escalation.alerts for escalation in level_1} == {managers}


def test_customers_see_what_the_rules_say(loaded):
    codes = Counter()
    with time_machine.travel(NOW, tick=False):
        for case in Case.objects.select_related("organization__tier").prefetch_related("organization__members"):
            member = case.organization.members.all()[0]
            codes[check_eligibility(case, member).code] += 1
    assert {"eligible", "review_pending", "case_closed", "severity_1"} <= set(codes)


def test_it_runs_again_beside_the_first_load(loaded):
    second = seed_load("--seed", "7")

    assert "Loaded l2:" in second
    assert Case.objects.count() == 600
    # The same seed, the same history: only names and ids differ.
    first, again = (
        Counter(Case.objects.filter(organization__name__endswith=f"({prefix})").values_list("severity", "status"))
        for prefix in ("l1", "l2")
    )
    assert first == again


def test_it_refuses_a_prefix_already_taken(loaded):
    with pytest.raises(CommandError, match="taken"):
        seed_load("--prefix", "l1")


def test_every_level_taken_higher_is_marked_superseded_when_the_next_was_made(loaded):
    for escalation in Escalation.objects.order_by("case_id", "level"):
        higher = Escalation.objects.filter(case=escalation.case_id, level=escalation.level + 1).first()
        assert escalation.superseded_at == (higher.created_at if higher else None)


@pytest.fixture
def outbox(monkeypatch):
    """The rows the services and the sweep would write, captured instead of written."""
    rows = []

    def write(built):
        rows.extend(built)
        return []

    monkeypatch.setattr(services, "outbox_write", write)
    for module in (services, deadlines):
        monkeypatch.setattr(module, "notify", lambda **message: write(notifications_build(**message)))
    return rows


@contextmanager
def undone():
    """Whatever the services write in the block is rolled back: only the captured outbox stays."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def replay(escalation_id, level):
    """Run the portal's own code for what happened to the escalation, at the times it happened:
    its creation, the minute sweep at its due-soon and overdue marks, the decision."""
    load = Escalation.objects.select_related("case__organization__region", "case__organization__csm",
                                             "requested_by", "reviewed_by")
    seeded = load.get(pk=escalation_id)
    services._notify_escalated(load.get(pk=escalation_id), level, seeded.created_at)
    with undone():
        # The minute sweep at each mark, as sweep_review_deadlines claims and handles a row.
        Escalation.objects.filter(pk=escalation_id).update(due_soon_sent_at=None, overdue_at=None)
        for at in sorted({seeded.due_soon_sent_at, seeded.overdue_at} - {None}):
            escalation = load.get(pk=escalation_id)
            if escalation.review_due_at <= at and escalation.overdue_at is None:
                deadlines._mark_overdue(escalation, level, at)
            elif escalation.review_due_at > at and escalation.due_soon_sent_at is None:
                deadlines._warn_due_soon(escalation, level, at)
    if seeded.reviewed_at:
        with undone():
            Escalation.objects.filter(pk=escalation_id).update(status=EscalationStatus.PENDING, superseded_at=None)
            decision = "not_accepted" if seeded.status == "not_accepted" else "accepted"
            services.decide(load.get(pk=escalation_id), seeded.reviewed_by, decision, seeded.decision_message,
                            now=seeded.reviewed_at)


def test_every_seeded_notification_is_what_the_services_write_for_that_escalation(loaded, outbox):
    levels = {level.number: level for level in EscalationLevel.objects.all()}
    for escalation_id, level in Escalation.objects.values_list("id", "level"):
        replay(escalation_id, levels[level])
    seeded = Notification.objects.values_list("escalation_id", "kind", "recipient_id", "dedupe_key")

    # Who hears of it (the level's groups, the region's senior management, the CSM alerted or
    # informed, the responders, Support Management), in which kind of message, under which key.
    expected = {(row.escalation.pk, row.kind, row.recipient.pk, row.dedupe_key) for row in outbox}
    assert set(seeded) == expected
    assert {kind for _, kind, _, _ in expected} >= {
        "escalation_alert", "csm_informed", "escalation_received", "escalation_accepted",
        "escalation_not_accepted", "review_due_soon", "review_overdue",
    }
