"""What the review team does around a decision: claim or assign the work, resolve an
accepted escalation once its problem is handled, and file the Level 4 root cause analysis.
"""

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import TEXT_MAX_LENGTH
from cases.people import is_escalation_staff
from cases.services import system_comment_create
from escalations import audit, policy, recipients
from escalations.models import Escalation, EscalationStatus, RootCauseAnalysis
from escalations.services import AlreadyDecided, require_responder
from notifications.outbox import notify
from portal.errors import DomainError, InvalidInput

RCA_FIELDS = (
    "escalation",
    "root_cause",
    "contributing_factors",
    "corrective_actions",
    "customer_summary",
    "completed_by",
    "completed_at",
)


class NotStaff(DomainError):
    code = "permission_denied"
    status = 403


class NotResolvable(DomainError):
    code = "not_resolvable"
    status = 409


class RcaExists(DomainError):
    code = "rca_exists"
    status = 409


def escalation_assign(*, escalation, assignee_id, by, now=None) -> Escalation:
    """Claim (assignee is ``by``), hand over to a colleague, or release (``assignee_id`` None)."""
    now = now or timezone.now()
    if not is_escalation_staff(by):
        raise NotStaff("Only escalation staff can take on escalations.")
    assignee = None
    if assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None or not is_escalation_staff(assignee):
            raise InvalidInput({"assignee": "Choose a member of the escalation staff."})
    assigned_at = now if assignee else None
    with transaction.atomic():
        # Locked, so that the audit trail's "before" is the value this update replaces.
        before = (
            Escalation.objects.select_for_update()
            .filter(pk=escalation.pk)
            .exclude(status=EscalationStatus.RESOLVED)
            .values("assignee_id", "assigned_at", "status", "superseded_at")
            .order_by("pk")
            .first()
        )
        if before is None:
            raise NotResolvable("This escalation is resolved; there is nothing left to take on.")
        # Claiming, handing over and releasing alike: only while the review is to do (policy).
        if not policy.may_take_on(before["status"], superseded=before["superseded_at"] is not None):
            action = "release" if assignee is None else "claim"
            raise NotResolvable(f"This escalation's review is over: there is nothing left to {action}.")
        Escalation.objects.filter(pk=escalation.pk).update(assignee=assignee, assigned_at=assigned_at)
        escalation.refresh_from_db()
        event = "released" if assignee is None else "claimed" if assignee.pk == by.pk else "assigned"
        audit.record_change(
            escalation,
            actor=by,
            event=event,
            at=now,
            changes={
                "assignee": (before["assignee_id"], escalation.assignee_id),
                "assigned_at": (before["assigned_at"], escalation.assigned_at),
            },
        )
    return escalation


def escalation_resolve(*, escalation, user, now=None) -> Escalation:
    """Mark an accepted escalation resolved; a level that requires an RCA needs it filed first."""
    now = now or timezone.now()
    level = require_responder(user, escalation, action="resolve")
    if escalation.status != EscalationStatus.ACCEPTED:
        raise NotResolvable("Only an accepted escalation can be resolved.")
    if level and level.requires_rca and not RootCauseAnalysis.objects.filter(escalation=escalation).exists():
        raise NotResolvable(
            f"A Level {escalation.level} escalation needs its root cause analysis before it is resolved."
        )
    with transaction.atomic():
        won = Escalation.objects.filter(pk=escalation.pk, status=EscalationStatus.ACCEPTED).update(
            status=EscalationStatus.RESOLVED, resolved_at=now
        )
        if not won:
            raise AlreadyDecided("This escalation was resolved by someone else a moment ago.")
        # Before: "accepted", as the conditional update required (resolved_at is set only here).
        changes = {
            "status": (EscalationStatus.ACCEPTED, EscalationStatus.RESOLVED),
            "resolved_at": (escalation.resolved_at, now),
        }
        escalation.status, escalation.resolved_at = EscalationStatus.RESOLVED, now
        audit.record_change(escalation, actor=user, event="resolved", at=now, changes=changes)
        system_comment_create(
            case=escalation.case,
            now=now,
            body=f"The Level {escalation.level} escalation is resolved: the problem it raised has been handled.",
        )
        _tell_outcome(escalation, kind="escalation_resolved", event=recipients.resolution_event(escalation.pk), now=now)
    escalation.refresh_from_db()
    return escalation


def _tell_outcome(escalation, *, kind, event, now, rca=None):
    """Tell who escalated, the case's requester and the account's CSM (recipients.told_of_outcome)."""
    case = escalation.case
    organization = case.organization
    notify(
        recipients=recipients.told_of_outcome(
            requested_by=escalation.requested_by, case_requester=case.requester, csm=organization.csm
        ),
        kind=kind,
        # Only what the customer may read: the analysis's summary for them, never its internal fields.
        context={"case": case, "escalation": escalation, "customer_summary": rca.customer_summary if rca else ""},
        case=case,
        escalation=escalation,
        event=event,
        now=now,
    )


def rca_file(*, escalation, user, root_cause, contributing_factors, corrective_actions, customer_summary, now=None):
    """File the root cause analysis of a decided escalation at a level that requires one.

    ``customer_summary`` is what the customer and the account's CSM read (on the case page and
    in the ``rca_filed`` email); the other fields stay with the review team.
    """
    now = now or timezone.now()
    level = require_responder(user, escalation, action="file the root cause analysis of")
    if not (level and level.requires_rca):
        raise NotResolvable(f"Level {escalation.level} escalations do not take a root cause analysis.")
    if not policy.rca_may_follow(escalation.status):
        raise NotResolvable("Decide the escalation first; the root cause analysis follows the decision.")
    fields = {
        "root_cause": root_cause,
        "contributing_factors": contributing_factors,
        "corrective_actions": corrective_actions,
        "customer_summary": customer_summary,
    }
    cleaned, errors = {}, {}
    for name, value in fields.items():
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > TEXT_MAX_LENGTH:
            errors[name] = f"Keep it to {TEXT_MAX_LENGTH:,} characters."
        elif not text and name == "customer_summary":
            errors[name] = "Write what the customer reads on the case page: what happened, and what changes."
        elif not text and name != "contributing_factors":
            errors[name] = "This part of the analysis is required."
        cleaned[name] = text
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            # Recorded once, below, with its author as the actor (see services.escalate).
            with disable_auditlog():
                analysis = RootCauseAnalysis.objects.create(
                    escalation=escalation, completed_by=user, completed_at=now, **cleaned
                )
            audit.record_creation(analysis, actor=user, fields=RCA_FIELDS, event="rca_filed", at=now)
            _tell_outcome(
                escalation, kind="rca_filed", event=recipients.rca_event(escalation.pk), now=now, rca=analysis
            )
            return analysis
    except IntegrityError:
        raise RcaExists("The root cause analysis of this escalation has already been filed.") from None
