"""Reads: which cases a user may see, and the lists built on that."""

from django.db.models import Case as SqlCase
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from cases.models import OPEN_STATUSES, Case, CaseComment, CustomerPriority, Organization
from cases.people import is_escalation_staff

SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "severity": ("severity", "-created_at", "-id"),
    "priority": ("-priority_rank", "-created_at", "-id"),
    "updated": ("-updated_at", "-id"),
}


def cases_to_show() -> QuerySet[Case]:
    """Cases with what every case page and API answer shows: organization, tier, requester."""
    return Case.objects.select_related("organization__tier", "requester")


def visible_cases(user) -> QuerySet[Case]:
    """Staff see every case; a customer sees the cases of their own organizations, and an
    account's CSM those of the organizations they manage (read-only: DESIGN.md)."""
    cases = cases_to_show()
    if is_escalation_staff(user):
        return cases
    # One subquery, no join: a join on the members would repeat a managed case per member.
    readable = Organization.objects.filter(Q(members=user.pk) | Q(csm=user.pk)).values("pk")
    return cases.filter(organization__in=readable)


def with_membership(cases: QuerySet[Case], user) -> QuerySet[Case]:
    """``cases`` annotated with ``is_member``: whether ``user`` belongs to the case's organization."""
    if not user.is_authenticated:
        return cases.annotate(is_member=Value(False))
    memberships = Organization.members.through.objects.filter(organization=OuterRef("organization"), user=user.pk)
    return cases.annotate(is_member=Exists(memberships))


def visible_case(user, case_id, cases: QuerySet[Case]) -> Case | None:
    """The case among ``cases`` if ``user`` may see it (the rule of visible_cases), else None.

    The case comes annotated with ``is_member`` (with_membership): read in the case's own
    query, it spares a member the query on whether they are escalation staff.
    """
    case = with_membership(cases, user).filter(pk=case_id).first()
    if case is None or not may_read_case(user, case, is_member=case.is_member):
        return None
    return case


def may_read_case(user, case, *, is_member: bool) -> bool:
    """Who may open a case: its organization's members, escalation staff, and the account's
    CSM, who is told of every escalation and so must be able to read it (read-only)."""
    if is_member:
        return True
    if case.organization.csm_id is not None and case.organization.csm_id == user.pk:
        return True
    return is_escalation_staff(user)


def visible_comments(case, user) -> QuerySet[CaseComment]:
    """Customers read the public thread; staff read internal notes too."""
    comments = case.comments.select_related("author")
    if not is_escalation_staff(user):
        comments = comments.filter(public=True)
    return comments


def priority_rank() -> SqlCase:
    """Customer Priority as a number to order by, higher first: high 3, normal 2, low 1."""
    return SqlCase(
        When(customer_priority=CustomerPriority.HIGH, then=Value(3)),
        When(customer_priority=CustomerPriority.NORMAL, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )


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
        cases = cases.annotate(priority_rank=priority_rank())
    return cases.order_by(*SORTS.get(sort, SORTS["newest"]))


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
    return cases.annotate(priority_rank=priority_rank()).order_by(
        "organization__tier__rank", "severity", "-priority_rank", "created_at", "id"
    )
