"""May this customer press Escalate Case now? A pure decision from plain facts.

No ORM and no clock: the service gathers the facts (reading ``now`` once) and this
module applies the article's rules, in the order DESIGN.md fixes. Intervals are
half-open: a case created at 09:00 with a 4-hour window is escalable from 13:00:00
exactly, not a second later. The messages name times in the active time zone, which is
the reader's on a page (portal.times) and UTC in the API.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cases.models import CLOSED_STATUSES
from cases.policy import suggests_high_priority
from escalations.policy import MAX_LEVEL, can_escalate_higher
from portal import times


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    code: str
    message: str
    next_level: int | None = None
    available_at: datetime | None = None


@dataclass(frozen=True)
class CurrentEscalation:
    level: int
    status: str
    review_due_at: datetime


@dataclass(frozen=True)
class EligibilityFacts:
    is_member: bool
    case_status: str
    severity: int
    created_at: datetime
    tier_name: str
    wait: timedelta | None  # None: no window configured for this severity and tier
    current: CurrentEscalation | None
    now: datetime
    customer_priority: str = ""  # "" when unknown: the too-early message then gives the High tip


def format_instant(moment: datetime) -> str:
    """'Fri 27 Nov 2026, 14:00 UTC': the site's format (portal.times), in UTC, for text written
    once and read by everyone (a system comment in the case thread), whatever their zone.

    ``moment`` may be aware in any zone: it is converted to UTC first, so the label never
    lies. A naive datetime raises ValueError: its zone, and so its UTC clock, is unknown.
    """
    return times.format_instant(moment, UTC)


def format_duration(span: timedelta) -> str:
    hours, rest = divmod(int(span.total_seconds()), 3600)
    minutes = rest // 60
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def evaluate(facts: EligibilityFacts) -> Eligibility:
    """Return the first rule that stops an escalation, or ``eligible`` with the next level."""
    if not facts.is_member:
        return Eligibility(
            False,
            "not_permitted",
            "Only members of the organization that owns this case can escalate it.",
        )
    if facts.case_status in CLOSED_STATUSES:
        return Eligibility(
            False,
            "case_closed",
            "This case is solved or closed, so it cannot be escalated. "
            "If the problem is back, open a new case or reply to reopen this one.",
        )
    if facts.severity == 1:
        return Eligibility(
            False,
            "severity_1",
            "Severity 1 cases are outages: the on-call team already works them around the "
            "clock, 24/7/365, at the highest priority there is. No escalation is needed.",
        )
    if facts.wait is not None:
        opens_at = facts.created_at + facts.wait
        if facts.now < opens_at:
            return Eligibility(
                False,
                "too_early",
                f"Front-line support gets {format_duration(facts.wait)} to work on a Severity "
                f"{facts.severity} case on the {facts.tier_name} tier before it can be escalated. "
                f"You can escalate this case from {times.format_instant(opens_at)}."
                + (
                    " If it is urgent now, set Customer Priority to High to move it up the support queue."
                    if suggests_high_priority(customer_priority=facts.customer_priority, severity=facts.severity)
                    else ""
                ),
                available_at=opens_at,
            )
    current = facts.current
    if current is not None:
        if current.status == "pending" and facts.now < current.review_due_at:
            return Eligibility(
                False,
                "review_pending",
                f"Your Level {current.level} escalation is being reviewed. A decision is due by "
                f"{times.format_instant(current.review_due_at)}"
                + (
                    "; if none arrives by then, you can escalate one level higher."
                    if can_escalate_higher(current.level)
                    else "."
                ),
                available_at=current.review_due_at,
            )
        if not can_escalate_higher(current.level):
            return Eligibility(
                False,
                "max_level",
                f"This case is already escalated to Level {MAX_LEVEL}, the VP of Support, the highest level there is.",
            )
    next_level = 1 if current is None else current.level + 1
    message = (
        "You can escalate this case to an Escalation Manager."
        if next_level == 1
        else f"You can escalate this case again, to Level {next_level}."
    )
    return Eligibility(True, "eligible", message, next_level=next_level)
