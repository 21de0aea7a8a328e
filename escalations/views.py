"""Pages for the review team: the queue, and one escalation with its case.

Reading only; every change is a POST to its own URL in escalations.views_actions.
Each page runs a fixed number of queries whatever the size of the queue or the thread:
rows come with their relations joined, the calendars are loaded once per request.
"""

from datetime import datetime, timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cases.models import Case
from cases.people import is_escalation_staff
from cases.selectors import visible_comments
from escalations import audit, policy, roles, selectors
from escalations.forms import DecisionForm, QueueFilterForm, RcaForm
from escalations.models import Escalation, EscalationLevel, EscalationStatus, Responder, RootCauseAnalysis
from escalations.selectors import case_with_escalations
from notifications.selectors import notifications_by_escalation

PAGE_SIZE = 25


def staff_required(view):
    """Escalation staff only: anonymous visitors sign in first, anyone else gets a 404.

    A 404 rather than a 403, so that a customer learns nothing about the staff pages.
    """

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_escalation_staff(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _hours_minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} m" if hours else f"{minutes} m"


def business_time_words(left: timedelta, *, overdue: bool) -> str:
    """'2 h 15 m of business time left', or 'overdue by 1 h 5 m of business time'.

    ``left`` is negative once the deadline has passed. Minutes are rounded down; past a
    deadline that fell at closing time no business time runs until the next opening.
    """
    if overdue:
        late = max(-left, timedelta(0))
        if late < timedelta(minutes=1):
            return "overdue by less than a minute of business time"
        return f"overdue by {_hours_minutes(late)} of business time"
    if left < timedelta(minutes=1):
        return "less than a minute of business time left"
    return f"{_hours_minutes(left)} of business time left"


def clock_time_words(due_at: datetime, now: datetime, *, overdue: bool) -> str:
    """'due in 2 h 15 m', or 'overdue by 1 h 5 m': the wall-clock time to or since the deadline.

    The queue's headline: it is ordered by the due time, so this figure grows down the list,
    whatever each region's calendar makes of it (business time left is shown beside it).
    Minutes are rounded down.
    """
    if overdue:
        late = max(now - due_at, timedelta(0))
        return "overdue by less than a minute" if late < timedelta(minutes=1) else f"overdue by {_hours_minutes(late)}"
    left = due_at - now
    return "due in less than a minute" if left < timedelta(minutes=1) else f"due in {_hours_minutes(left)}"


def annotate_for_display(escalation, calendars: selectors.CalendarMap, now: datetime, user) -> None:
    """Sets what the pages show: is_overdue, is_due_soon, due_in (clock), time_left (business),
    reason_short, can_claim, can_release.

    Overdue by the wall clock, as the sweep marks it (``overdue_at``), a minute later at most.
    """
    superseded = escalation.superseded_at is not None
    escalation.is_pending = policy.is_open_for_review(escalation.status, superseded=superseded)
    escalation.can_claim, escalation.can_release = policy.claim_and_release(
        status=escalation.status,
        superseded=superseded,
        is_staff=True,  # staff_required
        assignee_id=escalation.assignee_id,
        user_id=user.pk,
    )
    # "Time constraint (certificate expiring, ...)": the list shows the words before the example.
    escalation.reason_short = escalation.get_reason_display().split(" (")[0]
    escalation.is_overdue = escalation.is_pending and (escalation.review_due_at <= now or bool(escalation.overdue_at))
    escalation.is_due_soon = False
    escalation.due_in = escalation.time_left = ""
    if escalation.is_pending:
        left = calendars.business_time_left(escalation, now)
        escalation.is_due_soon = not escalation.is_overdue and policy.is_due_soon(left)
        escalation.due_in = clock_time_words(escalation.review_due_at, now, overdue=escalation.is_overdue)
        escalation.time_left = business_time_words(left, overdue=escalation.is_overdue)


@staff_required
def queue(request):
    form = QueueFilterForm(request.GET)
    filters = form.queue_filters()
    escalations = selectors.review_queue(user=request.user, **filters)
    now = timezone.now()
    # The page's three counts in one pass; the paginator takes the total. On the pending queue
    # they need no status test, so the queue's index answers them alone.
    pending = Q() if filters["status"] == EscalationStatus.PENDING else Q(status=EscalationStatus.PENDING)
    counts = escalations.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=pending & (Q(review_due_at__lte=now) | Q(overdue_at__isnull=False))),
        unassigned=Count("pk", filter=pending & Q(assignee=None)),
    )
    paginator = Paginator(escalations, PAGE_SIZE)
    paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.with_people(page.object_list)
    calendars = selectors.calendar_map()
    for escalation in page.object_list:
        annotate_for_display(escalation, calendars, now, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    levels = {level.number: level for level in EscalationLevel.objects.only("number", "review_within")}
    return render(
        request,
        "escalations/escalation_queue.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "query": query.urlencode(),
            "here": request.get_full_path(),
            "now": now,
            "review_times": policy.review_times_in_words(levels),
        },
    )


def _who_decides(level: EscalationLevel | None, escalation) -> str:
    """A sentence naming who decides at this level, for the people who cannot."""
    case, number = escalation.case, escalation.level
    responder = policy.responder_of(level)
    region = case.organization.region
    if responder == Responder.REGION_SENIOR_MANAGEMENT and region is None:
        return (
            f"Level {number} escalations are decided by the region's senior management, and "
            f"{case.organization.name} has no region: an admin must set one before anyone can decide."
        )
    if responder == Responder.REGION_SENIOR_MANAGEMENT:
        return f"Level {number} escalations are decided personally by the {region.name} region's senior management."
    return f"Level {number} escalations are decided by {policy.responder_in_a_sentence(responder)}."


def _load(escalation_id) -> Escalation:
    escalation = get_object_or_404(
        Escalation.objects.select_related("requested_by", "assignee", "reviewed_by", "rca__completed_by"),
        pk=escalation_id,
    )
    # The case with every level of its escalation history, prefetched once.
    escalation.case = case_with_escalations(
        Case.objects.select_related("organization__tier", "organization__region", "requester")
    ).get(pk=escalation.case_id)
    return escalation


def detail_context(request, escalation_id, *, decision_form=None, rca_form=None) -> dict:
    """Everything the escalation page shows; the action views re-render it with their form's errors."""
    escalation = _load(escalation_id)
    case = escalation.case
    now = timezone.now()
    annotate_for_display(escalation, selectors.calendar_map(), now, request.user)
    level = EscalationLevel.objects.filter(number=escalation.level).first()
    responder = policy.responder_of(level)
    is_responder = roles.is_responder(request.user, responder, case)
    try:
        rca = escalation.rca
    except RootCauseAnalysis.DoesNotExist:
        rca = None
    requires_rca = bool(level and level.requires_rca)
    steps = policy.next_steps(
        status=escalation.status,
        superseded=escalation.superseded_at is not None,
        is_responder=is_responder,
        is_staff=True,  # staff_required
        requires_rca=requires_rca,
        has_rca=rca is not None,
        assignee_id=escalation.assignee_id,
        user_id=request.user.pk,
    )
    history = list(case.escalations.all())  # prefetched, by level
    sent = notifications_by_escalation(case)
    return {
        "escalation": escalation,
        "case": case,
        "level": level,
        "review_within": policy.hours_in_words(policy.review_within(level)),
        "now": now,
        "history": history,
        "superseded_by": next((e for e in history if e.level > escalation.level), None),
        "comments": visible_comments(case, request.user),
        "notifications": sent.get(escalation.pk, []),
        "changes": audit.escalation_history(escalation),
        "rca": rca,
        "requires_rca": requires_rca,
        "is_responder": is_responder,
        "who_decides": _who_decides(level, escalation),
        "responders": roles.responder_users(responder, case)[:10],
        "can_decide": steps.can_decide,
        "can_file_rca": steps.can_file_rca,
        "can_resolve": steps.can_resolve,
        "resolve_needs_rca": steps.resolve_needs_rca,
        "decision_form": decision_form or DecisionForm(),
        "rca_form": rca_form or RcaForm(),
        "here": request.get_full_path(),
    }


@staff_required
def escalation_detail(request, escalation_id):
    return render(request, "escalations/escalation_detail.html", detail_context(request, escalation_id))
