"""The one home of the escalation rules that more than one place needs.

Services, views, the API, templates, emails, the deadline sweep and the loaders read their
answers here and never restate them (DESIGN.md, "One home per rule"): a template asks
``can_escalate_higher`` rather than comparing a level with 4, a page says the review time
it reads from the level rather than "4 business hours". Pure, like eligibility.py: no ORM
and no clock; whoever calls gathers the facts (a level row, a status, a membership).
"""

from dataclasses import dataclass
from datetime import timedelta

from escalations.models import DEFAULT_REVIEW_WITHIN, EscalationStatus, Responder

# The top of the ladder: Level 4, the VP of Support.
MAX_LEVEL = 4

# Responders are warned when this much business time is left before the review deadline.
DUE_SOON_LEAD = timedelta(hours=1)

RESPONDER_IN_A_SENTENCE = {
    Responder.ESCALATION_MANAGERS: "the Escalation Managers",
    Responder.REGION_SENIOR_MANAGEMENT: "the region's Senior Management",
    Responder.VP_OF_SUPPORT: "the VP of Support",
}


def can_escalate_higher(level: int) -> bool:
    """True when a level exists above ``level``, so a customer may be offered "one level higher"."""
    return level < MAX_LEVEL


def responder_of(level) -> str:
    """Who decides at ``level`` (an EscalationLevel, or None when an admin deleted it):
    the level's responder, else the Escalation Managers, who answer every level by default."""
    return level.responder if level is not None else Responder.ESCALATION_MANAGERS


def responder_in_a_sentence(responder: str) -> str:
    """'the VP of Support': who decides, as a sentence names them."""
    return RESPONDER_IN_A_SENTENCE[responder]


def responder_reviews(responder: str) -> str:
    """'The VP of Support reviews' / 'The Escalation Managers review': the start of a promise."""
    who = RESPONDER_IN_A_SENTENCE[responder]
    verb = "reviews" if responder == Responder.VP_OF_SUPPORT else "review"
    return f"{who[0].upper()}{who[1:]} {verb}"


def review_within(level) -> timedelta:
    """The business time the review of an escalation at ``level`` may take (4 hours as seeded)."""
    return level.review_within if level is not None else DEFAULT_REVIEW_WITHIN


def due_soon_after(within: timedelta) -> timedelta:
    """Business time from the escalation to the due-soon warning: ``DUE_SOON_LEAD`` before the
    deadline, or at once when the whole review time is shorter than that."""
    return max(within - DUE_SOON_LEAD, timedelta(0))


def is_due_soon(business_time_left: timedelta) -> bool:
    """True when a pending review has at most ``DUE_SOON_LEAD`` of business time left (and is not overdue)."""
    return timedelta(0) < business_time_left <= DUE_SOON_LEAD


def hours_in_words(span: timedelta) -> str:
    """'4 business hours', '1 business hour', '2.5 business hours': a level's review time as pages say it."""
    hours = span.total_seconds() / 3600
    number = f"{hours:g}" if hours == int(hours) else f"{hours:.1f}".rstrip("0").rstrip(".")
    return f"{number} business hour{'' if hours == 1 else 's'}"


def is_open_for_review(status: str, *, superseded: bool) -> bool:
    """A review still to do: pending, and not taken over by a higher level (a superseded level
    leaves the queue; deciding it answers 409 superseded)."""
    return status == EscalationStatus.PENDING and not superseded


def may_take_on(status: str, *, superseded: bool) -> bool:
    """Whether staff may claim or be assigned the escalation: only while its review is to do.
    Once decided the responders act on it (RCA, resolve); nothing is left to claim."""
    return is_open_for_review(status, superseded=superseded)


def rca_may_follow(status: str) -> bool:
    """The root cause analysis follows the decision: it may be filed once the escalation is decided."""
    return status != EscalationStatus.PENDING


def may_release(status: str, *, has_assignee: bool) -> bool:
    """A leftover assignee can always be released, until the escalation is resolved."""
    return has_assignee and status != EscalationStatus.RESOLVED


def claim_and_release(*, status: str, superseded: bool, is_staff: bool, assignee_id, user_id) -> tuple[bool, bool]:
    """(may claim, may release): staff claim a review still to do, or take over a colleague's
    claim on it; they release their own claim until the escalation is resolved."""
    can_claim = is_staff and may_take_on(status, superseded=superseded) and assignee_id != user_id
    can_release = is_staff and assignee_id is not None and assignee_id == user_id and may_release(
        status, has_assignee=True
    )
    return can_claim, can_release


@dataclass(frozen=True)
class NextSteps:
    """What one person may do next on one escalation; the pages show only these."""

    can_decide: bool
    can_file_rca: bool
    can_resolve: bool
    resolve_needs_rca: bool
    can_claim: bool
    can_release: bool


def next_steps(
    *,
    status: str,
    superseded: bool,
    is_responder: bool,
    is_staff: bool,
    requires_rca: bool,
    has_rca: bool,
    assignee_id: int | None,
    user_id: int | None,
) -> NextSteps:
    """What ``user_id`` may do next on an escalation in this state.

    Only the level's responder decides, files the root cause analysis (after the decision,
    at a level that requires one) and resolves (an accepted escalation, its RCA filed where
    required: ``resolve_needs_rca`` says the button waits for it). Claiming and releasing:
    ``claim_and_release``.
    """
    can_claim, can_release = claim_and_release(
        status=status, superseded=superseded, is_staff=is_staff, assignee_id=assignee_id, user_id=user_id
    )
    return NextSteps(
        can_decide=is_responder and is_open_for_review(status, superseded=superseded),
        can_file_rca=is_responder and requires_rca and not has_rca and rca_may_follow(status),
        can_resolve=is_responder and status == EscalationStatus.ACCEPTED,
        resolve_needs_rca=requires_rca and not has_rca,
        can_claim=can_claim,
        can_release=can_release,
    )
