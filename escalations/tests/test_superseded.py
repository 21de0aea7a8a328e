"""A level the customer has taken higher is superseded: stored, so the queue needs no self-join."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from escalations.models import Escalation
from escalations.services import escalate


def test_going_higher_supersedes_the_unanswered_level(make_case, customer):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    first = escalate(case, customer, "other", "Help.")
    later = first.review_due_at + timedelta(minutes=5)

    second = escalate(case, customer, "other", "Nobody answered.", now=later)

    first.refresh_from_db()
    assert (first.status, first.superseded_at) == ("pending", later)
    assert Escalation.objects.get(pk=second.pk).superseded_at is None


def test_a_declined_level_taken_higher_is_superseded_too(make_case, customer):
    case = make_case(created_at=timezone.now() - timedelta(days=3))
    first = escalate(case, customer, "other", "Help.")
    Escalation.objects.filter(pk=first.pk).update(status="not_accepted")
    later = timezone.now()

    escalate(case, customer, "other", "Higher.", now=later)

    assert Escalation.objects.get(pk=first.pk).superseded_at == later


def test_the_migration_marks_what_was_superseded_before_the_field(make_case, customer):
    now = timezone.now()
    case = make_case(created_at=now - timedelta(days=3))
    rows = {
        level: Escalation.objects.create(
            case=case, level=level, requested_by=customer, reason="other", summary="x", status=status,
            created_at=now + timedelta(hours=level), review_due_at=now + timedelta(hours=level + 4),
        )
        for level, status in ((1, "pending"), (2, "not_accepted"), (3, "pending"))
    }
    migration = importlib.import_module("escalations.migrations.0006_superseded_at")

    migration.mark_superseded(apps, None)

    marked = dict(Escalation.objects.filter(case=case).values_list("level", "superseded_at"))
    assert marked == {1: rows[2].created_at, 2: rows[3].created_at, 3: None}
