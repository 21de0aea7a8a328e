"""The escalation rules' one home: check eligibility, escalate, decide.

Each function reads the clock once (``now``, overridable for tests) and owns its
transaction; notifications are outbox rows written in that transaction.
"""

from datetime import datetime, timedelta
from functools import partial
from operator import attrgetter

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cases.models import Case, CaseComment, CommentKind
from cases.people import ESCALATION_MANAGERS
from cases.selectors import with_membership
from cases.services import comment_create, reply_event, system_comment_build, system_comment_create
from escalations import audit, policy, recipients
from escalations import eligibility as rules
from escalations.business_hours import add_business_hours
from escalations.calendars import calendar_for_organization, to_work_calendar
from escalations.eligibility import Eligibility
from escalations.models import (
    SUMMARY_MAX_LENGTH,
    Escalation,
    EscalationLevel,
    EscalationReason,
    EscalationStatus,
    EscalationWindow,
)
from escalations.policy import can_escalate_higher
from escalations.roles import is_responder, responder_users
from notifications import preferences
from notifications.outbox import notifications_build, notify, outbox_write
from portal.errors import DomainError, InvalidInput


class EscalationRejected(DomainError):
    status = 409

    def __init__(self, eligibility: Eligibility):
        super().__init__(eligibility.message, available_at=eligibility.available_at)
        self.eligibility = eligibility
        self.code = eligibility.code
        # Not a member: forbidden, not a conflict that time would resolve.
        self.status = 403 if eligibility.code == "not_permitted" else 409


class NotResponder(DomainError):
    code = "not_responder"
    status = 403


class AlreadyDecided(DomainError):
    code = "already_decided"
    status = 409


class Superseded(DomainError):
    """The customer has since escalated the case higher: this level is no longer to decide."""

    code = "superseded"
    status = 409


DECISIONS = (EscalationStatus.ACCEPTED, EscalationStatus.NOT_ACCEPTED)


def current_escalation(case) -> Escalation | None:
    """The highest-level escalation of the case, or None if it was never escalated."""
    return Escalation.objects.filter(case=case).order_by("-level").first()


def with_escalation_window(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` annotated with ``escalation_window_wait``, the wait before a case may be
    escalated (None when no window is configured): check_eligibility then need not query it."""
    window = EscalationWindow.objects.filter(severity=OuterRef("severity"), tier=OuterRef("organization__tier"))
    return cases.annotate(escalation_window_wait=Subquery(window.order_by().values("wait")[:1]))


def _escalation_window(case) -> timedelta | None:
    if hasattr(case, "escalation_window_wait"):  # loaded through with_escalation_window
        return case.escalation_window_wait
    return (
        EscalationWindow.objects.filter(severity=case.severity, tier_id=case.organization.tier_id)
        .order_by()
        .values_list("wait", flat=True)
        .first()
    )


def _current_escalation_facts(case, escalations) -> rules.CurrentEscalation | None:
    """The facts of the highest-level escalation: from ``escalations`` when loaded, else one query."""
    if escalations is not None:
        current = max(escalations, key=attrgetter("level"), default=None)
        return rules.CurrentEscalation(current.level, current.status, current.review_due_at) if current else None
    row = (
        Escalation.objects.filter(case=case).order_by("-level").values_list("level", "status", "review_due_at").first()
    )
    return rules.CurrentEscalation(*row) if row else None


def check_eligibility(
    case, user, now: datetime | None = None, *, is_member: bool | None = None, escalations=None
) -> Eligibility:
    """May ``user`` escalate ``case`` at ``now``? The first rule that says no, or the next level.

    What the caller has already loaded is not queried again: ``is_member``, whether ``user``
    belongs to the case's organization (cases.selectors.visible_case reads it with the case);
    ``escalations``, all of the case's escalations (a page showing the history has them); the
    escalation window, when the case was loaded through with_escalation_window.
    """
    now = now or timezone.now()
    organization = case.organization
    if is_member is None:
        is_member = user.is_authenticated and organization.members.filter(pk=user.pk).exists()
    facts = rules.EligibilityFacts(
        is_member=is_member,
        case_status=case.status,
        severity=case.severity,
        created_at=case.created_at,
        tier_name=organization.tier.name,
        wait=_escalation_window(case),
        current=_current_escalation_facts(case, escalations),
        now=now,
        customer_priority=case.customer_priority,
    )
    return rules.evaluate(facts)


# What the audit trail records of a new escalation.
ESCALATION_CREATED_FIELDS = (
    "case",
    "level",
    "status",
    "reason",
    "summary",
    "requested_by",
    "created_at",
    "review_due_at",
    "due_soon_at",
)


def review_deadlines(case, level: EscalationLevel | None, start: datetime) -> tuple[datetime, datetime]:
    """(due_soon_at, review_due_at): one business hour before the deadline, and the deadline.

    The deadline is the level's business time (4 hours as seeded) on the calendar of the
    organization's region, else the default calendar. Both are computed once, here, so
    that the deadline sweep is a plain indexed comparison with the clock.
    """
    calendar = to_work_calendar(calendar_for_organization(case.organization))
    within = policy.review_within(level)
    return (
        add_business_hours(calendar, start, policy.due_soon_after(within)),
        add_business_hours(calendar, start, within),
    )


def review_deadline(case, level: EscalationLevel | None, start: datetime) -> datetime:
    """The review deadline for an escalation made at ``start`` (see review_deadlines)."""
    return review_deadlines(case, level, start)[1]


def validate_request(reason, summary) -> tuple[str, str]:
    errors = {}
    if reason not in EscalationReason.values:
        errors["reason"] = "Choose one of the listed reasons."
    summary = summary.strip() if isinstance(summary, str) else ""
    if not summary:
        errors["summary"] = "Tell us in a few words why this case needs an escalation."
    elif len(summary) > SUMMARY_MAX_LENGTH:
        errors["summary"] = f"Keep the summary to {SUMMARY_MAX_LENGTH:,} characters at most."
    if errors:
        raise InvalidInput(errors)
    return reason, summary


def escalate(case, user, reason, summary, now: datetime | None = None) -> Escalation:
    """Escalate the case one level; raise EscalationRejected when the rules say no.

    The case row is locked for the whole check-and-create, so concurrent presses of
    the button yield exactly one escalation; the (case, level) unique constraint is
    the backstop for databases that cannot lock rows.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # The case row locked, with what the rules, the deadline and the messages read of
            # its organization. FOR UPDATE OF the case alone: the nullable side of the joins
            # (region, calendar, CSM) cannot be locked, and need not be. Eligibility is read
            # below, in statements of their own, so that it sees an escalation committed
            # while this one waited for the lock.
            # The window and the membership come with it: they cannot race this escalation.
            case = (
                with_escalation_window(with_membership(Case.objects.select_for_update(of=("self",)), user))
                .select_related("organization__tier", "organization__region__calendar", "organization__csm")
                .get(pk=case.pk)
            )
            verdict = check_eligibility(case, user, now, is_member=case.is_member)
            if not verdict.eligible:
                raise EscalationRejected(verdict)
            reason, summary = validate_request(reason, summary)
            level = EscalationLevel.objects.filter(number=verdict.next_level).first()
            due_soon_at, due_at = review_deadlines(case, level, now)
            # auditlog's signal would record the creation without its actor outside a
            # request; it is recorded below, once, with the customer as the actor.
            with disable_auditlog():
                escalation = Escalation.objects.create(
                    case=case,
                    level=verdict.next_level,
                    requested_by=user,
                    reason=reason,
                    summary=summary,
                    created_at=now,
                    review_due_at=due_at,
                    due_soon_at=due_soon_at,
                )
            if escalation.level > 1:
                # The lower level leaves the review queue: this one is the one to work now.
                Escalation.objects.filter(case=case, level__lt=escalation.level, superseded_at=None).update(
                    superseded_at=now
                )
            audit.record_creation(
                escalation,
                actor=user,
                fields=ESCALATION_CREATED_FIELDS,
                event="escalated",
                at=now,
            )
            system_comment_create(
                case=case,
                body=(
                    # No instant in text that every reader sees alike: the due time is shown
                    # beside it, in each reader's own zone (the panel, the escalation history).
                    f"{user.get_full_name() or user.get_username()} escalated this case to Level "
                    f"{escalation.level}. {policy.responder_reviews(policy.responder_of(level))} it within "
                    f"{policy.hours_in_words(policy.review_within(level))}."
                ),
                now=now,
            )
            _notify_escalated(escalation, level, now)
    except IntegrityError:
        # The (case, level) unique constraint, the backstop should the lock not hold: someone
        # escalated first, and the whole transaction is rolled back. Caught out here rather
        # than in a savepoint around the insert, which would cost two round trips on every
        # escalation for a race the lock already prevents. Any other integrity error leaves
        # the case eligible, and is not a rejection.
        verdict = check_eligibility(case, user, now)
        if verdict.eligible:
            raise
        raise EscalationRejected(verdict) from None
    return escalation


def alert_recipients(escalation, level: EscalationLevel | None):
    """Everyone the level alerts: its groups, the region's senior management, the CSM."""
    case = escalation.case
    organization = case.organization
    if level is None:  # an admin deleted the level: the Escalation Managers answer every level by default
        group_filter, csm_alerted = Q(groups__name=ESCALATION_MANAGERS), False
    else:
        alerted = recipients.level_alerts(
            # A subquery of the one query below, never a query of its own.
            alerted_group_ids=level.alerted_groups.values_list("pk", flat=True),
            alerts_region_senior_management=level.alert_region_senior_management,
            alerts_account_csm=level.alert_account_csm,
            region_senior_group_id=organization.region.senior_management_id if organization.region_id else None,
            csm_id=organization.csm_id,
        )
        group_filter, csm_alerted = Q(groups__in=alerted.level_group_ids), alerted.csm
        if alerted.region_senior_group_id is not None:
            group_filter |= Q(groups=alerted.region_senior_group_id)
    users = list(get_user_model().objects.filter(group_filter, is_active=True).distinct().order_by("pk"))
    if csm_alerted:
        users.append(organization.csm)
    return users


def _notify_escalated(escalation, level, now):
    case = escalation.case
    build = partial(
        notifications_build,
        context={"case": case, "escalation": escalation, "level": level},
        case=case,
        escalation=escalation,
        event=recipients.escalation_event(escalation.pk),
        now=now,
    )
    alerted = alert_recipients(escalation, level)
    # Everyone's time zone and email mode in one query, not one per kind.
    preferences.readers([*alerted, case.organization.csm, escalation.requested_by])
    rows = build(recipients=alerted, kind="escalation_alert")
    csm = case.organization.csm
    if csm and recipients.is_csm_informed(csm.pk, {user.pk for user in alerted}):
        # The article: the account's CSM is informed of every escalation, at every level.
        rows += build(recipients=[csm], kind="csm_informed")
    rows += build(recipients=[escalation.requested_by], kind="escalation_received")
    # The three kinds together: one INSERT, and one message to the broker on commit.
    outbox_write(rows)


def comment_post(*, case, user, body, public=True, now=None) -> CaseComment:
    """A reply or an internal note in the case's thread (cases.services.comment_create), which
    also tells an escalation's reviewers of a customer's reply. The case page and the API post here."""
    return comment_create(case=case, user=user, body=body, public=public, now=now, then=_notify_customer_reply)


def _notify_customer_reply(*, case, comment, by_staff, now):
    """``customer_reply`` to whoever works the case's current escalation (recipients.customer_reply_audience).

    Runs in the reply's transaction with the case row locked, as escalate() locks it: the
    escalation read here is the current one.
    """
    if not recipients.is_customer_reply(by_staff=by_staff, public=comment.public):
        return
    escalation = Escalation.objects.filter(case=case).select_related("assignee").order_by("-level").first()
    if escalation is None:
        return
    assignee = escalation.assignee if escalation.assignee_id and escalation.assignee.is_active else None
    audience = recipients.customer_reply_audience(
        status=escalation.status,
        superseded=escalation.superseded_at is not None,
        assignee_id=assignee.pk if assignee else None,
    )
    if audience is None:
        return
    level = EscalationLevel.objects.filter(number=escalation.level).first()
    if audience == recipients.ReplyAudience.ASSIGNEE:
        told = [assignee]
    else:
        case = Case.objects.select_related("organization__region").get(pk=case.pk)
        told = responder_users(policy.responder_of(level), case)
    notify(
        recipients=told,
        kind="customer_reply",
        context={
            "case": case,
            "escalation": escalation,
            "level": level,
            "comment": comment,
            "author": comment.author,
            "as_assignee": audience == recipients.ReplyAudience.ASSIGNEE,
        },
        case=case,
        escalation=escalation,
        event=reply_event(comment.pk),
        now=now,
    )


def require_responder(user, escalation, *, action: str) -> EscalationLevel | None:
    """The escalation's level, if ``user`` answers it; NotResponder otherwise."""
    level = EscalationLevel.objects.filter(number=escalation.level).first()
    responder = policy.responder_of(level)
    if not is_responder(user, responder, escalation.case):
        who = policy.responder_in_a_sentence(responder)
        raise NotResponder(f"Only {who} can {action} a Level {escalation.level} escalation of this case.")
    return level


def decide(escalation, user, decision, message, now: datetime | None = None) -> Escalation:
    """Accept or decline a pending escalation; the message goes into the case thread.

    ``escalation`` is used as the caller loaded it (load its ``case__organization__region``
    and ``requested_by`` with it to spare the queries): what is read of it, its level, case
    and requester, never changes. Returns it with the decision set.

    Raises NotResponder when the user does not answer this level, Superseded when the
    customer has since escalated to a higher level (nothing is written or sent), and
    AlreadyDecided when someone decided first: the conditional update lets exactly one
    decision win, and none once the level is superseded.
    """
    now = now or timezone.now()
    if decision not in DECISIONS:
        raise InvalidInput({"decision": "Choose accepted or not_accepted."})
    message = message.strip() if isinstance(message, str) else ""
    if not message:
        raise InvalidInput({"message": "Write the reply the customer will read in the case."})
    case = escalation.case
    level = require_responder(user, escalation, action="decide")
    with transaction.atomic():
        # superseded_at in the same statement: escalate() sets it under the case's lock, so a
        # decision racing a new level either wins before it or finds the level superseded.
        won = Escalation.objects.filter(pk=escalation.pk, status=EscalationStatus.PENDING, superseded_at=None).update(
            status=decision, reviewed_by=user, reviewed_at=now, decision_message=message
        )
        if not won:
            # Still pending, so superseded (a decided escalation never becomes pending again).
            if Escalation.objects.filter(pk=escalation.pk, status=EscalationStatus.PENDING).exists():
                above = (
                    Escalation.objects.filter(case_id=escalation.case_id, level__gt=escalation.level)
                    .order_by("-level")
                    .values_list("level", flat=True)
                    .first()
                )
                raise Superseded(
                    f"The customer has since escalated this case to Level {above}: that is the escalation "
                    "to decide now. Your decision was not recorded and nothing was sent."
                )
            raise AlreadyDecided("This escalation has already been decided.")
        # The values before the update are those the caller read, however long ago: the row
        # changed only because it was still pending, these fields change only together with
        # that status, and a decided escalation never becomes pending again.
        before = escalation.reviewed_by_id, escalation.reviewed_at, escalation.decision_message
        # What the update wrote, without reading the row back.
        escalation.status, escalation.reviewed_by, escalation.reviewed_at = decision, user, now
        escalation.decision_message = message
        audit.record_change(
            escalation,
            actor=user,
            event=decision,
            at=now,
            changes={
                "status": (EscalationStatus.PENDING, escalation.status),
                "reviewed_by": (before[0], escalation.reviewed_by_id),
                "reviewed_at": (before[1], escalation.reviewed_at),
                "decision_message": (before[2], escalation.decision_message),
            },
        )
        comments = [
            CaseComment(case=case, author=user, kind=CommentKind.REPLY, public=True, body=message, created_at=now)
        ]
        kind = "escalation_accepted" if decision == EscalationStatus.ACCEPTED else "escalation_not_accepted"
        if decision == EscalationStatus.NOT_ACCEPTED:
            comments.append(
                system_comment_build(
                    case=case,
                    now=now,
                    body=(
                        f"Your Level {escalation.level} escalation was not accepted. If you are not "
                        "satisfied, you can escalate this case again, one level higher."
                        if can_escalate_higher(escalation.level)
                        else f"Your Level {escalation.level} escalation was not accepted."
                    ),
                )
            )
        # The reply, then the automatic line, in one INSERT (in this order: same time, ids ascending).
        CaseComment.objects.bulk_create(comments)
        notify(
            recipients=[escalation.requested_by],
            kind=kind,
            context={
                "case": case,
                "escalation": escalation,
                "level": level,
                "escalation_can_go_higher": can_escalate_higher(escalation.level),
            },
            case=case,
            escalation=escalation,
            event=recipients.decision_event(escalation.pk),
            now=now,
        )
    return escalation
