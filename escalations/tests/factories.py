"""Bulk rows for tests that need hundreds of escalations fast (query-count tests)."""

from datetime import timedelta

from cases.models import Case
from escalations.models import Escalation


def many_escalations(count, organization, customer, assignee, *, now):
    """``count`` cases with a pending Level 1 each, deadlines spread around ``now``."""
    cases = Case.objects.bulk_create(
        Case(
            organization=organization,
            requester=customer,
            subject=f"Bulk {n}",
            description="x",
            severity=2 + n % 3,
            created_at=now - timedelta(days=3),
        )
        for n in range(count)
    )
    Escalation.objects.bulk_create(
        Escalation(
            case=case,
            level=1,
            requested_by=customer,
            reason="other",
            summary="Bulk.",
            created_at=now,
            review_due_at=now + timedelta(minutes=n - count // 2),
            assignee=assignee if n % 2 else None,
        )
        for n, case in enumerate(cases)
    )
