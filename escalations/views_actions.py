"""What the review team does from its pages: claim, release, decide, file the RCA, resolve.

Each action is a POST with CSRF to its own URL (405 otherwise) that calls one service.
A rule that says no (a DomainError) comes back as a message on the escalation page;
field errors (InvalidInput) re-render the page with the form and its errors.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from escalations import review, services
from escalations.forms import DecisionForm, RcaForm
from escalations.models import Escalation, EscalationStatus
from escalations.views import detail_context, staff_required
from portal.errors import DomainError, InvalidInput


def _escalation(escalation_id) -> Escalation:
    return get_object_or_404(
        Escalation.objects.select_related("case__organization__region", "requested_by"), pk=escalation_id
    )


def _detail_url(escalation) -> str:
    return reverse("escalations:detail", args=[escalation.pk])


def _back(request, fallback: str) -> str:
    """The review page the form was posted from (the queue with its filters and page), else ``fallback``.

    Only a path under /review/ on this site: never an open redirect.
    """
    target = request.POST.get("next", "")
    if target.startswith(reverse("escalations:queue")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def _add_form_errors(form, error: InvalidInput) -> None:
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)


def _rerender(request, escalation, *, shown_if: str, **forms):
    """The escalation page again, with the form's errors; if the escalation moved on meanwhile
    (the form is no longer shown), a message instead, so that no error goes unseen."""
    context = detail_context(request, escalation.pk, **forms)
    if not context[shown_if]:
        messages.error(request, "This escalation changed while you were writing; nothing was saved.")
        return redirect(_detail_url(escalation))
    return render(request, "escalations/escalation_detail.html", context, status=400)


def _already_decided(request, escalation) -> None:
    winner = Escalation.objects.select_related("reviewed_by").get(pk=escalation.pk)
    messages.error(
        request,
        f"This escalation was already decided by {_name(winner.reviewed_by)} "
        f"({winner.get_status_display().lower()}); your decision was not recorded.",
    )


@staff_required
@require_POST
def claim(request, escalation_id):
    escalation = _escalation(escalation_id)
    try:
        review.escalation_assign(escalation=escalation, assignee_id=request.user.pk, by=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, f"You have claimed the Level {escalation.level} escalation of case #{escalation.case_id}."
        )
    return redirect(_back(request, _detail_url(escalation)))


@staff_required
@require_POST
def release(request, escalation_id):
    escalation = _escalation(escalation_id)
    try:
        review.escalation_assign(escalation=escalation, assignee_id=None, by=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, f"The Level {escalation.level} escalation of case #{escalation.case_id} is unassigned again."
        )
    return redirect(_back(request, _detail_url(escalation)))


@staff_required
@require_POST
def decide(request, escalation_id):
    escalation = _escalation(escalation_id)
    form = DecisionForm(request.POST)
    try:
        # Who may decide comes first: someone who may not learns that, not that the form was empty.
        services.require_responder(request.user, escalation, action="decide")
        if escalation.status != EscalationStatus.PENDING:
            _already_decided(request, escalation)
            return redirect(_detail_url(escalation))
        if not form.is_valid():
            return _rerender(request, escalation, shown_if="can_decide", decision_form=form)
        decided = services.decide(escalation, request.user, **form.cleaned_data)
    except services.AlreadyDecided:
        # Someone decided between our read and the service's conditional update.
        _already_decided(request, escalation)
    except InvalidInput as error:
        _add_form_errors(form, error)
        return _rerender(request, escalation, shown_if="can_decide", decision_form=form)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        if decided.status == EscalationStatus.ACCEPTED:
            messages.success(request, "Accepted. Your plan of action is in the case's conversation.")
        else:
            messages.success(
                request, 'Declined. Your reason and the automatic "not accepted" reply are in the case\'s conversation.'
            )
    return redirect(_detail_url(escalation))


@staff_required
@require_POST
def rca(request, escalation_id):
    escalation = _escalation(escalation_id)
    form = RcaForm(request.POST)
    try:
        services.require_responder(request.user, escalation, action="file the root cause analysis of")
        if not form.is_valid():
            return _rerender(request, escalation, shown_if="can_file_rca", rca_form=form)
        review.rca_file(escalation=escalation, user=request.user, **form.cleaned_data)
    except InvalidInput as error:
        _add_form_errors(form, error)
        return _rerender(request, escalation, shown_if="can_file_rca", rca_form=form)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "The root cause analysis is filed. The escalation can now be resolved.")
    return redirect(_detail_url(escalation))


@staff_required
@require_POST
def resolve(request, escalation_id):
    escalation = _escalation(escalation_id)
    try:
        review.escalation_resolve(escalation=escalation, user=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "Resolved. The case's conversation says so.")
    return redirect(_detail_url(escalation))
