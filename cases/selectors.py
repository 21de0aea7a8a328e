"""Reads: which cases a user may see, and the lists built on that."""

from django.db.models import Case as When_
from django.db.models import IntegerField, Prefetch, QuerySet, Value, When

from cases.models import Case, CaseComment
from escalations.roles import is_escalation_staff

SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "severity": ("severity", "-created_at", "-id"),
    "priority": ("-priority_rank", "-created_at", "-id"),
    "updated": ("-updated_at", "-id"),
}


def visible_cases(user) -> QuerySet[Case]:
    """Staff see every case; a customer sees the cases of their own organizations only."""
    cases = Case.objects.select_related("organization__tier", "requester")
    if is_escalation_staff(user):
        return cases
    return cases.filter(organization__members=user)


def visible_comments(case, user) -> QuerySet[CaseComment]:
    """Customers read the public thread; staff read internal notes too."""
    comments = case.comments.select_related("author")
    if not is_escalation_staff(user):
        comments = comments.filter(public=True)
    return comments


def filter_and_sort_cases(
    cases: QuerySet[Case], *, status=(), severity=(), customer_priority=None, sort="newest"
) -> QuerySet[Case]:
    if status:
        cases = cases.filter(status__in=status)
    if severity:
        cases = cases.filter(severity__in=severity)
    if customer_priority:
        cases = cases.filter(customer_priority=customer_priority)
    if sort == "priority":
        cases = cases.annotate(
            priority_rank=When_(
                When(customer_priority="high", then=Value(3)),
                When(customer_priority="normal", then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    return cases.order_by(*SORTS.get(sort, SORTS["newest"]))


def case_with_escalations(queryset):
    from escalations.models import Escalation

    return queryset.prefetch_related(
        Prefetch(
            "escalations", queryset=Escalation.objects.select_related("requested_by", "reviewed_by").order_by("level")
        )
    )


OPEN_STATUSES = ("new", "open", "pending_customer")


def support_queue(*, tier=None, severity=None) -> QuerySet[Case]:
    """Open cases in the order support works them (the article's "Customer Priority" tip).

    Premium before standard (tier rank), then severity (1 first), then customer priority
    (high first), then age (oldest first): raising priority to High moves a case up
    within its tier and severity, never past a more severe case or a higher tier.
    """
    cases = Case.objects.filter(status__in=OPEN_STATUSES).select_related("organization__tier", "requester", "assignee")
    if tier:
        cases = cases.filter(organization__tier__slug=tier)
    if severity:
        cases = cases.filter(severity=severity)
    return cases.annotate(
        priority_rank=When_(
            When(customer_priority="high", then=Value(0)),
            When(customer_priority="normal", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("organization__tier__rank", "severity", "priority_rank", "created_at", "id")
