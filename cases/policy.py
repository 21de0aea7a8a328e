"""Who may do what to a case: the one home of these rules (DESIGN.md, "Who may change a case"
and "Replies"). Pure: no ORM, no clock. The services enforce the answers; the case page asks
the same functions which controls to show, so a button is never offered that the service
would refuse, nor hidden when it would succeed.
"""

from dataclasses import dataclass

from cases.models import CLOSED_STATUSES, CaseStatus, CustomerPriority, Severity


def may_change(*, is_member: bool, is_staff: bool) -> bool:
    """Members of the case's organization and escalation staff; not the account's CSM, who reads only."""
    return is_member or is_staff


def may_set_priority(*, is_member: bool) -> bool:
    """Customer Priority is the customer's: members set it, staff never do."""
    return is_member


def severity_change_is_staffs(*, is_member: bool, severity: int) -> bool:
    """A member's one severity change is the outage process (raise to 1); every other is staff's,
    who must say why."""
    return not (is_member and severity == Severity.OUTAGE)


def is_finished(status: str) -> bool:
    """A solved or closed case: its priority and severity no longer change."""
    return status in CLOSED_STATUSES


def takes_replies(status: str) -> bool:
    """A closed case takes no replies (open a new case); a solved one does, and reopens."""
    return status != CaseStatus.CLOSED


def reply_reopens(status: str, *, is_staff: bool) -> bool:
    """A customer's reply gives the case back to support: solved (the problem is back) or
    waiting on the customer (they answered)."""
    return not is_staff and status in (CaseStatus.SOLVED, CaseStatus.PENDING_CUSTOMER)


def reply_tells_requester(*, is_staff: bool, public: bool, is_requester: bool) -> bool:
    """Every public staff reply is sent to the case's requester (``case_reply``). An internal
    note tells nobody outside staff, and nobody is told of their own reply."""
    return is_staff and public and not is_requester


def is_first_response(*, is_staff: bool, public: bool, first_response_at) -> bool:
    """The first public staff reply is the case's first response; internal notes are not."""
    return is_staff and public and first_response_at is None


def suggests_high_priority(*, customer_priority: str, severity: int) -> bool:
    """Whether to advise "set Customer Priority to High" (the article's tip for an urgent case
    that cannot be escalated yet): not once it is High, nor for an outage, worked first anyway."""
    return customer_priority != CustomerPriority.HIGH and severity != Severity.OUTAGE


def outage_refusal(*, status: str, severity: int, is_member: bool, is_staff: bool) -> str | None:
    """Why this person cannot raise the case to Severity 1 now, in words; None when they can
    (the outage page then asks them to confirm). The service enforces the same rules."""
    if severity == Severity.OUTAGE:
        return "This case is already Severity 1: the on-call team was paged when it was raised."
    if not may_change(is_member=is_member, is_staff=is_staff):
        return "Only members of the case's organization and support staff can raise a case to Severity 1."
    if is_finished(status):
        return (
            f"This case is {CaseStatus(status).label.lower()}, so its severity no longer changes. "
            "If production is down, open a new case with Severity 1."
        )
    return None


@dataclass(frozen=True)
class CaseControls:
    """What the case page offers one person."""

    can_reply: bool
    can_set_priority: bool
    can_raise_to_outage: bool
    suggest_high_priority: bool = False


def case_controls(
    *, status: str, severity: int, is_member: bool, is_staff: bool, customer_priority: str = ""
) -> CaseControls:
    changeable = may_change(is_member=is_member, is_staff=is_staff) and not is_finished(status)
    can_set_priority = changeable and may_set_priority(is_member=is_member)
    return CaseControls(
        can_reply=may_change(is_member=is_member, is_staff=is_staff) and takes_replies(status),
        can_set_priority=can_set_priority,
        # The customer's outage button; staff set any severity through the API, with a reason.
        can_raise_to_outage=changeable and is_member and severity != Severity.OUTAGE,
        suggest_high_priority=can_set_priority
        and suggests_high_priority(customer_priority=customer_priority, severity=severity),
    )
