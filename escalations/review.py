"""What the review team does around a decision: claim or assign the work, resolve an
accepted escalation once its problem is handled, and file the Level 4 root cause analysis.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.services import system_comment_create
from escalations.models import Escalation, EscalationStatus, RootCauseAnalysis
from escalations.roles import is_escalation_staff
from escalations.services import AlreadyDecided, require_responder
from portal.errors import DomainError, InvalidInput

RCA_TEXT_MAX = 20000


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
    updated = (
        Escalation.objects.filter(pk=escalation.pk)
        .exclude(status=EscalationStatus.RESOLVED)
        .update(assignee=assignee, assigned_at=now if assignee else None)
    )
    if not updated:
        raise NotResolvable("This escalation is resolved; there is nothing left to take on.")
    escalation.refresh_from_db()
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
        system_comment_create(
            case=escalation.case,
            now=now,
            body=f"The Level {escalation.level} escalation is resolved: the problem it raised has been handled.",
        )
    escalation.refresh_from_db()
    return escalation


def rca_file(*, escalation, user, root_cause, contributing_factors, corrective_actions, now=None):
    """File the root cause analysis of a decided escalation at a level that requires one."""
    now = now or timezone.now()
    level = require_responder(user, escalation, action="file the root cause analysis of")
    if not (level and level.requires_rca):
        raise NotResolvable(f"Level {escalation.level} escalations do not take a root cause analysis.")
    if escalation.status == EscalationStatus.PENDING:
        raise NotResolvable("Decide the escalation first; the root cause analysis follows the decision.")
    fields = {
        "root_cause": root_cause,
        "contributing_factors": contributing_factors,
        "corrective_actions": corrective_actions,
    }
    cleaned, errors = {}, {}
    for name, value in fields.items():
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > RCA_TEXT_MAX:
            errors[name] = f"Keep it to {RCA_TEXT_MAX:,} characters."
        elif not text and name != "contributing_factors":
            errors[name] = "This part of the analysis is required."
        cleaned[name] = text
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            return RootCauseAnalysis.objects.create(
                escalation=escalation, completed_by=user, completed_at=now, **cleaned
            )
    except IntegrityError:
        raise RcaExists("The root cause analysis of this escalation has already been filed.") from None
