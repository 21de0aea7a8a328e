"""Who hears of a new escalation, of a customer's reply on one, and of its outcome: pure, like
eligibility.py (no ORM, no clock).

The service (``escalations.services.alert_recipients`` and the escalation's outbox rows)
and the bulk loader (``demo.history``) both ask here, so the rule has one home
(DESIGN.md, "One home per rule"); whoever calls gathers the facts: the level's alerted
groups and flags, the region's Senior Management group, the account's CSM.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from cases.people import SUPPORT_MANAGEMENT
from escalations.models import EscalationStatus


@dataclass(frozen=True)
class Alerted:
    """Whom a level alerts: every active member of its groups (``level_group_ids``, as the
    caller gave them: a queryset stays unevaluated, a subquery of the caller's one query),
    of ``region_senior_group_id`` unless None, and the account's CSM when ``csm``."""

    level_group_ids: Collection[int]
    region_senior_group_id: int | None
    csm: bool


def level_alerts(
    *,
    alerted_group_ids: Collection[int],
    alerts_region_senior_management: bool,
    alerts_account_csm: bool,
    region_senior_group_id: int | None,
    csm_id: int | None,
) -> Alerted:
    """The level's own groups; its region's Senior Management when the level says so and the
    organization has a region (``region_senior_group_id`` None: it has none); the CSM when
    the level says so and the account has one (``csm_id`` None: it has none)."""
    return Alerted(
        level_group_ids=alerted_group_ids,
        region_senior_group_id=region_senior_group_id if alerts_region_senior_management else None,
        csm=alerts_account_csm and csm_id is not None,
    )


def alerted_user_ids(alerted: Alerted, members: Mapping[int, Iterable[int]], csm_id: int | None) -> set[int]:
    """The ids of everyone ``alerted`` names, given each group's active members (group id -> user ids)."""
    group_ids = {*alerted.level_group_ids}
    if alerted.region_senior_group_id is not None:
        group_ids.add(alerted.region_senior_group_id)
    user_ids = {user_id for group_id in group_ids for user_id in members.get(group_id, ())}
    if alerted.csm and csm_id is not None:
        user_ids.add(csm_id)
    return user_ids


def is_csm_informed(csm_id: int | None, alerted_ids: Collection[int]) -> bool:
    """Whether the account's CSM gets a ``csm_informed`` message besides the alert.

    The CSM is told of every escalation, at every level, exactly once: informed, unless
    the level already alerts them (through its CSM flag or one of their groups).
    """
    return csm_id is not None and csm_id not in alerted_ids


class ReplyAudience:
    """Who hears of a customer's reply on an escalated case (``customer_reply_audience``)."""

    ASSIGNEE = "assignee"
    RESPONDERS = "responders"


def is_customer_reply(*, by_staff: bool, public: bool) -> bool:
    """A reply the review team hears of: the customer's. Staff's own replies and internal notes
    are the team's (and tell nobody outside staff)."""
    return public and not by_staff


def customer_reply_audience(*, status: str | None, superseded: bool, assignee_id: int | None) -> str | None:
    """Who is told of a customer's reply on a case whose current escalation is in ``status``
    (None: the case was never escalated).

    A reply on an escalation in review, or accepted and not yet resolved, goes to whoever
    works it: its assignee when someone has claimed it, else the level's responders
    (``ReplyAudience``). On a case whose escalation is declined or resolved it tells nobody
    here (None): support reads the thread as usual.
    """
    if status is None or superseded:
        return None
    if status not in (EscalationStatus.PENDING, EscalationStatus.ACCEPTED):
        return None
    return ReplyAudience.ASSIGNEE if assignee_id is not None else ReplyAudience.RESPONDERS


def told_of_outcome(*, requested_by, case_requester, csm) -> list:
    """Who hears that an escalation is resolved, or that its root cause analysis is filed: who
    escalated, the case's requester (colleagues escalate each other's cases) and the account's
    CSM, who is informed of every escalation. None stands for nobody."""
    return [person for person in (requested_by, case_requester, csm) if person is not None]


def resolution_event(escalation_id: int) -> str:
    return f"resolved-{escalation_id}"


def rca_event(escalation_id: int) -> str:
    return f"rca-{escalation_id}"


# A review past its deadline is told to the level's responders and to this group besides.
OVERDUE_ALSO_TOLD = SUPPORT_MANAGEMENT


def escalation_event(escalation_id: int) -> str:
    """The event of an escalation's own messages (alert, CSM, received, due soon, overdue):
    with the kind and the recipient, the dedupe key that sends each of them once."""
    return f"escalation-{escalation_id}"


def decision_event(escalation_id: int) -> str:
    return f"decision-{escalation_id}"


def requester_overdue_event(escalation_id: int) -> str:
    """The requester's copy of an overdue review: same kind as the staff's, told apart here."""
    return f"escalation-{escalation_id}-requester"
