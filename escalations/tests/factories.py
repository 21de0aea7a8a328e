"""Escalations built for tests: up a case's levels through the service, and bulk rows for
tests that need hundreds of escalations fast (query-count tests)."""

from datetime import timedelta

from cases.models import Case, CaseStatus
from cases.tests.factories import CaseFactory
from escalations.models import Escalation, EscalationWindow
from escalations.services import escalate


def escalated_to(level, case, customer, *, now=None):
    """The case escalated up to ``level`` through the service, each lower level declined on the way."""
    for number in range(1, level + 1):
        current = escalate(case, customer, "other", f"Level {number}, please.", now=now)
        if number < level:
            Escalation.objects.filter(pk=current.pk).update(status="not_accepted")
    return current


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


# Every answer check_eligibility can give: name -> (the code, how many hours old the case
# is, its other fields, its escalations as (level, status, hours from now to the review
# deadline), and who asks). Tests compare what each page and endpoint loads to the
# service's own reading, situation by situation.
ELIGIBILITY_SITUATIONS = {
    "not_permitted": ("not_permitted", 72, {}, [], "staff"),
    "case_closed": ("case_closed", 72, {"status": CaseStatus.SOLVED}, [], "member"),
    "severity_1": ("severity_1", 72, {"severity": 1}, [], "member"),
    "too_early": ("too_early", 1, {"severity": 2}, [], "member"),
    "no_window": ("eligible", 0, {"severity": 4}, [], "member"),
    "first_level": ("eligible", 72, {}, [], "member"),
    "review_pending": ("review_pending", 72, {}, [(1, "pending", 2)], "member"),
    "review_overdue": ("eligible", 72, {}, [(1, "pending", -2)], "member"),
    "after_a_decision": ("eligible", 72, {}, [(1, "not_accepted", -20), (2, "not_accepted", -2)], "member"),
    "max_level": (
        "max_level",
        72,
        {},
        [(1, "not_accepted", -30), (2, "not_accepted", -20), (3, "not_accepted", -10), (4, "accepted", -1)],
        "member",
    ),
}


def case_in_situation(name, *, organization, member, staff, now):
    """(case, who asks) for ELIGIBILITY_SITUATIONS[name]; "no_window" deletes its window."""
    _, hours_old, fields, escalations, asker = ELIGIBILITY_SITUATIONS[name]
    case = CaseFactory(
        organization=organization, requester=member, created_at=now - timedelta(hours=hours_old), **fields
    )
    if name == "no_window":
        EscalationWindow.objects.filter(severity=case.severity, tier=organization.tier).delete()
    for level, status, due_in_hours in escalations:
        Escalation.objects.create(
            case=case,
            level=level,
            requested_by=member,
            reason="other",
            summary="Help.",
            status=status,
            created_at=now - timedelta(hours=40 - level),
            review_due_at=now + timedelta(hours=due_in_hours),
        )
    return case, staff if asker == "staff" else member
