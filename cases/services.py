"""Writes on cases: open one, change its priority or raise it to an outage, comment."""

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import policy
from cases.models import (
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Case,
    CaseComment,
    CaseStatus,
    CommentKind,
    CustomerPriority,
    Organization,
    Severity,
)
from cases.people import ON_CALL, is_escalation_staff
from notifications.outbox import notify
from portal.errors import DomainError, InvalidInput

REASON_MAX = 2000

# What no stored text may hold: NUL (PostgreSQL refuses it in text columns) and lone
# surrogates (not encodable as UTF-8). The API's and the forms' fields refuse them too;
# this is for every other caller, so that bad input is a 400, never a 500.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A subject becomes an email subject header: one line, no control characters (tab aside),
# so that no CR/LF or other line separator can ever start a header of its own.
LINE_BREAKS_AND_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403


class CaseClosed(DomainError):
    """A solved or closed case: its details no longer change; a closed one takes no replies."""

    code = "case_closed"
    status = 409


def _clean_text(value, *, field, label, max_length, errors, single_line=False):
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors[field] = f"{label} cannot be empty."
    elif len(text) > max_length:
        errors[field] = f"{label} can be at most {max_length:,} characters."
    elif single_line and LINE_BREAKS_AND_CONTROLS.search(text):
        errors[field] = f"{label} must be a single line, without line breaks or control characters."
    elif UNSTORABLE.search(text):
        errors[field] = f"{label} contains characters that cannot be stored (NUL or an unpaired surrogate)."
    return text


def organization_for_new_case(user, organization_id=None) -> Organization:
    """The organization a customer opens a case for: their only one, or the one they chose."""
    organizations = Organization.objects.filter(members=user)
    if organization_id is not None:
        organization = organizations.filter(pk=organization_id).first()
        if organization is None:
            raise InvalidInput({"organization": "Choose one of your own organizations."})
        return organization
    choices = list(organizations[:2])
    if not choices:
        raise NotAllowed("Your account does not belong to a customer organization, so it cannot open cases.")
    if len(choices) > 1:
        raise InvalidInput({"organization": "You belong to several organizations: choose one."})
    return choices[0]


def case_create(
    *, user, subject, description, severity, customer_priority=CustomerPriority.NORMAL, organization_id=None, now=None
) -> Case:
    now = now or timezone.now()
    organization = organization_for_new_case(user, organization_id)
    errors = {}
    subject = _clean_text(
        subject, field="subject", label="The subject", max_length=SUBJECT_MAX_LENGTH, errors=errors, single_line=True
    )
    description = _clean_text(
        description, field="description", label="The description", max_length=TEXT_MAX_LENGTH, errors=errors
    )
    if severity not in Severity.values:
        errors["severity"] = "Choose a severity from 1 (outage) to 4 (general question)."
    if customer_priority not in CustomerPriority.values:
        errors["customer_priority"] = "Choose low, normal or high."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        case = Case.objects.create(
            organization=organization,
            requester=user,
            subject=subject,
            description=description,
            severity=severity,
            customer_priority=customer_priority,
            status=CaseStatus.NEW,
            created_at=now,
        )
        if severity == Severity.OUTAGE:
            _page_on_call(case, now, raised_by=user, opened=True)
    return case


def _is_member(case, user) -> bool:
    """Whether ``user`` belongs to the case's organization (asked of the database, not of an annotation)."""
    return Organization.members.through.objects.filter(organization_id=case.organization_id, user_id=user.pk).exists()


def _refuse_if_finished(case):
    """A solved or closed case is done: its priority and severity no longer change (409 ``case_closed``)."""
    if not policy.is_finished(case.status):
        return
    if case.status == CaseStatus.SOLVED:
        raise CaseClosed(
            "This case is solved, so it can no longer be changed. If the problem is back, reply to reopen it."
        )
    if case.status == CaseStatus.CLOSED:
        raise CaseClosed(
            "This case is closed, so it can no longer be changed. If you still need help, please open a new case."
        )


def case_update(*, case, user, customer_priority=None, severity=None, reason=None, now=None) -> Case:
    """Change a case's Customer Priority or severity, as its organization's members or staff may.

    Members change the priority, and raise the severity only to 1 (outage). Escalation staff
    set any severity, saying why (``reason``), and never the customer's priority. The thread
    records who changed what, and the reason when one is given. Severity 1, whoever sets it,
    pages on-call. Raises InvalidInput (400), NotAllowed (403) or CaseClosed (409: the case
    is solved or closed); then nothing is written and nobody is paged.
    """
    now = now or timezone.now()
    errors = {}
    if customer_priority is not None and customer_priority not in CustomerPriority.values:
        errors["customer_priority"] = "Choose low, normal or high."
    if severity is not None and severity not in Severity.values:
        errors["severity"] = "Choose a severity from 1 (outage) to 4 (general question)."
    if reason is not None and str(reason).strip():
        reason = _clean_text(reason, field="reason", label="The reason", max_length=REASON_MAX, errors=errors)
    else:
        reason = ""
    if errors:
        raise InvalidInput(errors)
    if customer_priority is None and severity is None:
        return case
    with transaction.atomic():
        # Locked and read again: a case solved meanwhile is refused, and pages nobody.
        case = Case.objects.select_for_update().get(pk=case.pk)
        is_member = _is_member(case, user)
        is_staff = is_escalation_staff(user)
        if not policy.may_change(is_member=is_member, is_staff=is_staff):
            raise NotAllowed("Only members of the case's organization and support staff can change this case.")
        if customer_priority is not None and not policy.may_set_priority(is_member=is_member):
            raise NotAllowed("Customer Priority is set by the customer: support staff cannot change it.")
        severity_changes = severity is not None and severity != case.severity
        by_staff = severity_changes and policy.severity_change_is_staffs(is_member=is_member, severity=severity)
        if by_staff and not is_staff:
            raise InvalidInput(
                {
                    "severity": "You can only raise a case to Severity 1 (outage). "
                    "To change it otherwise, ask support in a comment."
                }
            )
        _refuse_if_finished(case)
        if by_staff and not reason:
            raise InvalidInput(
                {"reason": "Give a reason for the severity change: the customer reads it in the thread."}
            )
        changed = []
        if customer_priority is not None and customer_priority != case.customer_priority:
            old = case.get_customer_priority_display()
            case.customer_priority = customer_priority
            changed.append(f"Customer Priority changed from {old} to {case.get_customer_priority_display()}.")
        raised_to_outage = severity_changes and severity == Severity.OUTAGE
        if severity_changes and not by_staff:
            case.severity = Severity.OUTAGE
            changed.append("Severity raised to 1 (outage). The on-call team has been paged.")
        elif severity_changes:
            old = case.get_severity_display()
            case.severity = severity
            changed.append(f"Severity changed from {old} to {case.get_severity_display()}.")
            if raised_to_outage:
                changed.append("The on-call team has been paged.")
        if changed:
            if reason:
                changed.append(f"Reason: {reason}")
            case.save(update_fields=["customer_priority", "severity", "updated_at"])
            system_comment_create(case=case, body=f"{_display_name(user)}: " + " ".join(changed), now=now)
        if raised_to_outage:
            _page_on_call(case, now, raised_by=user, reason=reason)
    return case


def reply_event(comment_id: int) -> str:
    """The event of the messages a reply causes: with kind and recipient, each is sent once."""
    return f"comment-{comment_id}"


def comment_create(*, case, user, body, public=True, now=None, then=None) -> CaseComment:
    """A reply (or, from staff, an internal note) in the case's thread.

    A member's reply reopens a solved case, and one waiting on the customer; a closed case
    takes no replies (CaseClosed, 409). The first public staff reply is the first response,
    and every public staff reply is sent to the requester (``case_reply``).
    Raises InvalidInput (400) for an empty body or a customer's internal note, NotAllowed
    (403) for someone neither a member nor staff.

    ``then(case=, comment=, by_staff=, now=)`` runs in the same transaction, the case row
    still locked: the layer above tells whom it knows of (escalations.services.comment_post
    tells an escalation's reviewers of a customer's reply).
    """
    now = now or timezone.now()
    errors = {}
    body = _clean_text(body, field="body", label="The comment", max_length=TEXT_MAX_LENGTH, errors=errors)
    is_staff = is_escalation_staff(user)
    if not public and not is_staff:
        # Refused, not quietly made public: the caller meant something else than what would happen.
        errors["public"] = "Only support staff write internal notes: leave out public, or set it to true."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        # Locked, so that a reply racing a close is refused, and a reopen is not lost.
        case = Case.objects.select_for_update().get(pk=case.pk)
        is_member = _is_member(case, user)
        if not policy.may_change(is_member=is_member, is_staff=is_staff):
            raise NotAllowed("Only members of the case's organization and support staff can reply to this case.")
        if not policy.takes_replies(case.status):
            raise CaseClosed(
                "This case is closed and takes no more replies. If you still need help, please open a new case."
            )
        comment = CaseComment.objects.create(
            case=case, author=user, body=body, public=public, kind=CommentKind.REPLY, created_at=now
        )
        if policy.is_first_response(is_staff=is_staff, public=public, first_response_at=case.first_response_at):
            Case.objects.filter(pk=case.pk, first_response_at=None).update(first_response_at=now)
        # The customer answered, or the problem is back: the case is support's to work again.
        if policy.reply_reopens(case.status, is_staff=is_staff):
            if case.status == CaseStatus.SOLVED:
                system_comment_create(
                    case=case, body=f"{_display_name(user)} replied, so the case is reopened.", now=now
                )
            Case.objects.filter(pk=case.pk).update(status=CaseStatus.OPEN, updated_at=now)
        if policy.reply_tells_requester(is_staff=is_staff, public=public, is_requester=case.requester_id == user.pk):
            notify(
                recipients=[case.requester],
                kind="case_reply",
                context={"case": case, "comment": comment, "author": user},
                case=case,
                event=reply_event(comment.pk),
                now=now,
            )
        if then is not None:
            then(case=case, comment=comment, by_staff=is_staff, now=now)
    return comment


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def system_comment_build(*, case, body, now) -> CaseComment:
    """An unsaved system comment, for a caller that writes it with others in one INSERT."""
    return CaseComment(case=case, kind=CommentKind.SYSTEM, public=True, body=body, created_at=now)


def system_comment_create(*, case, body, now) -> CaseComment:
    """A public line in the thread from the portal itself (escalations, decisions, changes)."""
    comment = system_comment_build(case=case, body=body, now=now)
    comment.save(force_insert=True)
    return comment


def _page_on_call(case, now, *, raised_by, opened=False, reason=""):
    """The outage process: Severity 1 pages on-call at once; it is never an escalation.

    The page says who raised it and when (``opened``: the case was opened as Severity 1),
    and the reason staff gave for the change, if any.
    """
    on_call = get_user_model().objects.filter(groups__name=ON_CALL, is_active=True).distinct()
    notify(
        recipients=on_call,
        kind="outage_alert",
        context={"case": case, "raised_by": raised_by, "raised_at": now, "opened": opened, "reason": reason},
        case=case,
        event=f"outage-case-{case.pk}",
        now=now,
    )
