"""The customer's case pages, which show a case with its escalations: the case list, the
case page with its thread and the Escalate Case panel, the Escalate Case form, and the
support queue. They live here, in the higher app, as they read both apps (STYLE.md).
Views gather what the templates show; rules stay in the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import policy as case_policy
from cases import selectors
from cases.forms import CaseFilterForm, CommentForm, PriorityForm, SupportQueueFilterForm
from cases.models import Organization
from cases.people import is_escalation_staff
from cases.views import form_errors
from escalations import policy, services
from escalations.business_hours import business_time_between
from escalations.forms import EscalateForm
from escalations.models import EscalationLevel
from escalations.selectors import calendar_map, case_with_escalations
from escalations.views import business_time_words
from notifications import selectors as notification_selectors
from portal import times
from portal.errors import DomainError, InvalidInput


def _visible_case(request, case_id):
    """The case with its escalations and escalation window (404 if the user may not see it)."""
    cases = case_with_escalations(
        selectors.cases_to_show().select_related("organization__region", "organization__csm"), with_rca=True
    )
    case = selectors.visible_case(request.user, case_id, services.with_escalation_window(cases))
    if case is None:
        raise Http404("No such case.")
    return case


@login_required
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.filter_and_sort_cases(
        selectors.visible_cases(request.user),
        status=filters.get("status") or (),
        severity=[int(s) for s in filters.get("severity") or ()],
        sort=filters.get("sort") or "newest",
    )
    # With each case's escalation window and escalations, its state costs no query per case.
    cases = case_with_escalations(services.with_escalation_window(cases))
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page.object_list:
        escalations = list(case.escalations.all())  # prefetched, ordered by level
        case.current_escalation = current = escalations[-1] if escalations else None
        # The case's state as its members' eligibility has it, whoever reads the list.
        verdict = services.check_eligibility(case, request.user, now, is_member=True, escalations=escalations)
        case.escalation_state = policy.escalation_state(
            code=verdict.code,
            available_at=verdict.available_at,
            next_level=verdict.next_level,
            current_level=current.level if current else None,
            current_status=current.status if current else None,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "escalations/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_staff_view": is_escalation_staff(request.user),
            "can_open_cases": Organization.objects.filter(members=request.user).exists(),
        },
    )


@login_required
def case_detail(request, case_id):
    case = _visible_case(request, case_id)
    return render(request, "escalations/case_detail.html", _detail_context(request, case))


def _detail_context(request, case, *, comment_form=None):
    now = timezone.now()
    escalations = list(case.escalations.all())  # prefetched, ordered by level
    verdict = services.check_eligibility(
        case, request.user, now, is_member=case.is_member, escalations=escalations
    )
    next_review = _next_review(verdict)
    next_review.update(_review_time_left(case, verdict, now))
    is_staff_view = is_escalation_staff(request.user)
    if is_staff_view:
        # Staff only: it names every recipient. One query for all the case's escalations.
        sent = notification_selectors.notifications_by_escalation(case)
        for escalation in escalations:
            escalation.notifications_sent = sent.get(escalation.pk, [])
    return {
        "case": case,
        "now": now,
        "eligibility": verdict,
        **next_review,
        "escalations": escalations,
        "current_escalation": escalations[-1] if escalations else None,
        "comments": selectors.visible_comments(case, request.user),
        "comment_form": comment_form or CommentForm(),
        "priority_form": PriorityForm(initial={"customer_priority": case.customer_priority}),
        "is_member": case.is_member,
        "is_staff_view": is_staff_view,
        # The account's CSM reads every case of the organizations they manage, read-only.
        "reads_as_csm": not case.is_member and not is_staff_view,
        "controls": case_policy.case_controls(
            status=case.status,
            severity=case.severity,
            is_member=case.is_member,
            is_staff=is_staff_view,
            customer_priority=case.customer_priority,
        ),
    }


def _review_time_left(case, verdict, now) -> dict:
    """While a review is pending, the business time left before its deadline, in the queue's
    words ("2 h 15 m of business time left"): the deadline counts business hours on the
    region's calendar, so a clock countdown to it would say the wrong thing."""
    if verdict.code != "review_pending" or verdict.available_at is None:
        return {}
    calendar = calendar_map().for_region(case.organization.region_id)
    left = business_time_between(calendar, now, verdict.available_at)
    return {"review_time_left": business_time_words(left, overdue=False)}


def _next_review(verdict) -> dict:
    """Who reviews the escalation the customer may make now, and within what, as the level says.

    Only when the button is offered: a case that cannot be escalated pays no query for it.
    """
    if not verdict.eligible:
        return {}
    level = EscalationLevel.objects.filter(number=verdict.next_level).first()
    return {
        "next_reviewer_reviews": policy.responder_reviews(policy.responder_of(level)),
        "next_review_within": policy.hours_in_words(policy.review_within(level)),
    }


@login_required
@require_POST
def comment_add(request, case_id):
    case = _visible_case(request, case_id)
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.comment_post(case=case, user=request.user, body=form.cleaned_data["body"])
        except InvalidInput as error:
            form_errors(form, error)
        except DomainError as error:
            # A closed case (409) or someone who may read but not reply (403): the page says why,
            # and keeps what they typed in the form when it is shown.
            messages.error(request, error.detail)
            status = error.status
        else:
            messages.success(request, "Your comment was added.")
            return redirect(case.get_absolute_url() + "#thread")
    context = _detail_context(request, case, comment_form=form)
    return render(request, "escalations/case_detail.html", context, status=status)


@login_required
def escalate(request, case_id):
    """The Escalate Case form (GET) and its submission (POST)."""
    case = _visible_case(request, case_id)
    now = timezone.now()
    previous = list(case.escalations.all())  # prefetched
    verdict = services.check_eligibility(
        case, request.user, now, is_member=case.is_member, escalations=previous
    )
    if not verdict.eligible:
        messages.error(request, verdict.message)
        return redirect(case)
    form = EscalateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            escalation = services.escalate(case, request.user, **form.cleaned_data)
        except InvalidInput as error:
            form_errors(form, error)
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect(case)
        else:
            messages.success(
                request,
                f"Your case is escalated to Level {escalation.level}. A decision is due by "
                f"{times.format_instant(escalation.review_due_at)}.",
            )
            return redirect(case.get_absolute_url() + f"#escalation-{escalation.level}")
    level = EscalationLevel.objects.filter(number=verdict.next_level).prefetch_related("alerted_groups").first()
    return render(
        request,
        "escalations/case_escalate.html",
        {
            "case": case,
            "form": form,
            "eligibility": verdict,
            "level": level,
            "previous": previous,
            "due_if_now": services.review_deadline(case, level, now),
            "reviewer_reviews": policy.responder_reviews(policy.responder_of(level)),
            "review_within": policy.hours_in_words(policy.review_within(level)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def support_queue(request):
    """Open cases in the order support works them, for escalation staff (others: 404).

    Premium before standard, then severity, then Customer Priority, then age
    (cases.selectors.support_queue); each row with its current escalation, prefetched.
    """

    if not is_escalation_staff(request.user):
        raise Http404("No such page.")
    form = SupportQueueFilterForm(request.GET)
    cases = case_with_escalations(selectors.support_queue(**form.queue_filters()))
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    for position, case in enumerate(page.object_list, start=page.start_index()):
        escalations = list(case.escalations.all())  # prefetched, ordered by level
        case.position = position
        case.current_escalation = escalations[-1] if escalations else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "escalations/support_queue.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()},
    )
