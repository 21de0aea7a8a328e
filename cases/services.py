"""Writes on cases: open one, change its priority or raise it to an outage, comment."""

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.models import Case, CaseComment, CaseStatus, CommentKind, CustomerPriority, Organization, Severity
from cases.people import ON_CALL, is_escalation_staff
from notifications.outbox import notify
from portal.errors import DomainError, InvalidInput

SUBJECT_MAX = 200
TEXT_MAX = 20000

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
        subject, field="subject", label="The subject", max_length=SUBJECT_MAX, errors=errors, single_line=True
    )
    description = _clean_text(
        description, field="description", label="The description", max_length=TEXT_MAX, errors=errors
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
            _page_on_call(case, now)
    return case


def case_update(*, case, user, customer_priority=None, severity=None, now=None) -> Case:
    """Change what a customer may change: priority at any time, severity only up to 1 (outage)."""
    now = now or timezone.now()
    errors = {}
    if customer_priority is not None and customer_priority not in CustomerPriority.values:
        errors["customer_priority"] = "Choose low, normal or high."
    if severity is not None and severity != case.severity and severity != Severity.OUTAGE:
        errors["severity"] = (
            "You can only raise a case to Severity 1 (outage). To change it otherwise, ask support in a comment."
        )
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        changed = []
        if customer_priority is not None and customer_priority != case.customer_priority:
            old = case.get_customer_priority_display()
            case.customer_priority = customer_priority
            changed.append(f"Customer Priority changed from {old} to {case.get_customer_priority_display()}.")
        raised_to_outage = severity == Severity.OUTAGE and case.severity != Severity.OUTAGE
        if raised_to_outage:
            case.severity = Severity.OUTAGE
            changed.append("Severity raised to 1 (outage). The on-call team has been paged.")
        if changed:
            case.save(update_fields=["customer_priority", "severity", "updated_at"])
            who = user.get_full_name() or user.get_username()
            system_comment_create(case=case, body=f"{who}: " + " ".join(changed), now=now)
        if raised_to_outage:
            _page_on_call(case, now)
    return case


def comment_create(*, case, user, body, public=True, now=None) -> CaseComment:
    now = now or timezone.now()
    errors = {}
    body = _clean_text(body, field="body", label="The comment", max_length=TEXT_MAX, errors=errors)
    if errors:
        raise InvalidInput(errors)
    is_staff = is_escalation_staff(user)
    # Only staff write internal notes; a customer's comment is always public.
    public = public if is_staff else True
    with transaction.atomic():
        comment = CaseComment.objects.create(
            case=case, author=user, body=body, public=public, kind=CommentKind.REPLY, created_at=now
        )
        if is_staff and public and case.first_response_at is None:
            Case.objects.filter(pk=case.pk, first_response_at=None).update(first_response_at=now)
        if not is_staff and case.status == CaseStatus.PENDING_CUSTOMER:
            Case.objects.filter(pk=case.pk).update(status=CaseStatus.OPEN, updated_at=now)
    return comment


def system_comment_build(*, case, body, now) -> CaseComment:
    """An unsaved system comment, for a caller that writes it with others in one INSERT."""
    return CaseComment(case=case, kind=CommentKind.SYSTEM, public=True, body=body, created_at=now)


def system_comment_create(*, case, body, now) -> CaseComment:
    """A public line in the thread from the portal itself (escalations, decisions, changes)."""
    comment = system_comment_build(case=case, body=body, now=now)
    comment.save(force_insert=True)
    return comment


def _page_on_call(case, now):
    """The outage process: Severity 1 pages on-call at once; it is never an escalation."""
    on_call = get_user_model().objects.filter(groups__name=ON_CALL, is_active=True).distinct()
    notify(
        recipients=on_call,
        kind="outage_alert",
        context={"case": case},
        case=case,
        event=f"outage-case-{case.pk}",
        now=now,
    )
