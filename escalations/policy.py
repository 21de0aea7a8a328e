"""The one home of the escalation rules that more than one place needs.

Services, views, the API, templates, emails, the deadline sweep and the loaders read their
answers here and never restate them (DESIGN.md, "One home per rule"): a template asks
``can_escalate_higher`` rather than comparing a level with 4, a page says the review time
it reads from the level rather than "4 business hours". Pure, like eligibility.py: no ORM
and no clock; whoever calls gathers the facts (a level row, a status, a membership).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

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


def review_times_in_words(levels) -> str:
    """Every level's review time in one phrase, for the review queue's header: '4 business hours
    at every level', else runs of equal times, 'Levels 1-2: 4 business hours, Level 3: 8 business
    hours, Level 4: 2 business hours'. ``levels`` maps a level number to its EscalationLevel; a
    number missing (an admin deleted the level) counts with ``review_within(None)``."""
    times = [review_within(levels.get(number)) for number in range(1, MAX_LEVEL + 1)]
    if len(set(times)) == 1:
        return f"{hours_in_words(times[0])} at every level"
    runs: list[list] = []  # [first level, last level, review time]
    for number, within in enumerate(times, start=1):
        if runs and runs[-1][2] == within:
            runs[-1][1] = number
        else:
            runs.append([number, number, within])
    return ", ".join(
        f"{f'Level {first}' if first == last else f'Levels {first}-{last}'}: {hours_in_words(within)}"
        for first, last, within in runs
    )


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


def may_release(status: str, *, superseded: bool, has_assignee: bool) -> bool:
    """An assignee can be released while the review is to do. Once decided (or superseded) the
    escalation's claim is history: the queue and its page show who worked it, and no button."""
    return has_assignee and may_take_on(status, superseded=superseded)


def claim_and_release(*, status: str, superseded: bool, is_staff: bool, assignee_id, user_id) -> tuple[bool, bool]:
    """(may claim, may release): staff claim a review still to do, or take over a colleague's
    claim on it; they release their own claim while the review is to do. A decided escalation
    offers neither."""
    can_claim = is_staff and may_take_on(status, superseded=superseded) and assignee_id != user_id
    can_release = (
        is_staff
        and assignee_id is not None
        and assignee_id == user_id
        and may_release(status, superseded=superseded, has_assignee=True)
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


@dataclass(frozen=True)
class EscalationState:
    """A case's escalation state as the case list says it: where it stands (``now``), and the
    next moment (``next``, at ``at`` when it has a time). ``tone`` names its kind for the page."""

    now: str
    next: str = ""
    at: datetime | None = None
    tone: str = ""


def escalation_state(
    *, code: str, available_at: datetime | None, next_level: int | None, current_level: int | None, current_status
) -> EscalationState:
    """The escalation state of a case from its eligibility (escalations.eligibility ``evaluate``,
    as its members get it: ``code``, ``available_at``, ``next_level``) and its highest escalation
    (None when never escalated). The windows and deadlines stay there: this only says them."""
    if code == "severity_1":
        return EscalationState("Outage: on-call working", tone="outage")
    if current_level is None:
        where = "Not escalated"
    elif current_status == EscalationStatus.PENDING and code in ("eligible", "max_level"):
        where = f"Level {current_level} review overdue"  # evaluate found it past its deadline
    else:
        where = f"Level {current_level} {EscalationStatus(current_status).label.lower()}"
    if code == "too_early":
        opens = "Escalation opens" if current_level is None else f"Level {current_level + 1} opens"
        return EscalationState(where, opens, available_at, tone="waiting")
    if code == "review_pending":
        return EscalationState(f"Level {current_level} in review", "decision due", available_at, tone="pending")
    if code == "eligible":
        if next_level == 1:
            return EscalationState(where, "can be escalated now", tone="open")
        tone = "overdue" if current_status == EscalationStatus.PENDING else "open"
        return EscalationState(where, f"can go to Level {next_level} now", tone=tone)
    return EscalationState(where)  # closed, at the top level, or not the viewer's to escalate
