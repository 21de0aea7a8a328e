"""Customer pages of this app: open a case, change its priority, raise it to an outage.

The pages that show a case with its escalations (list, case page, thread, Escalate Case,
support queue) are escalations.case_views'. Views gather what the templates show; rules
stay in the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cases import policy, selectors, services
from cases.forms import CaseForm, PriorityForm
from cases.models import Organization, Severity
from cases.people import ON_CALL, group_members, is_escalation_staff
from portal.errors import DomainError, InvalidInput


def _visible_case(request, case_id):
    """The case (404 if the user may not see it)."""
    case = selectors.visible_case(request.user, case_id, selectors.cases_to_show())
    if case is None:
        raise Http404("No such case.")
    return case


def form_errors(form, error: InvalidInput):
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)


@login_required
def case_create(request):
    organizations = Organization.objects.filter(members=request.user)
    if not organizations.exists():
        messages.error(request, "Your account does not belong to a customer organization, so it cannot open cases.")
        return redirect("cases:list")
    form = CaseForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["severity"] == Severity.OUTAGE and request.POST.get("confirm_outage") != "yes":
            # Severity 1 pages on-call: the form again, saying so, before anyone is woken.
            context = {"form": form, "confirm_outage": True, **_outage_effects()}
            return render(request, "cases/case_create.html", context)
        data = dict(form.cleaned_data)
        organization = data.pop("organization", None)
        try:
            case = services.case_create(
                user=request.user, organization_id=organization.pk if organization else None, **data
            )
        except InvalidInput as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Case #{case.pk} is open. Support will reply here.")
            return redirect(case)
    return render(request, "cases/case_create.html", {"form": form}, status=400 if form.errors else 200)


def _outage_effects() -> dict:
    """What the Severity 1 confirmation says will happen (templates/cases/_outage_effects.html)."""
    return {"on_call_group": ON_CALL, "on_call_count": group_members(ON_CALL).count()}


@login_required
@require_POST
def priority_change(request, case_id):
    case = _visible_case(request, case_id)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose low, normal or high.")
        return redirect(case)
    try:
        services.case_update(case=case, user=request.user, customer_priority=form.cleaned_data["customer_priority"])
    except DomainError as error:
        # Not the caller's to change (403), or the case is solved or closed (409): say so on the case page.
        messages.error(request, error.detail)
    else:
        messages.success(request, "Customer Priority updated.")
    return redirect(case)


@login_required
@require_http_methods(["GET", "POST"])
def outage_raise(request, case_id):
    """Raise a case to Severity 1, in two steps: GET (or a POST without ``confirm``) shows what
    will happen (who is paged, that on-call works it 24/7, that it is never escalated); only a
    POST with ``confirm=yes`` raises it and pages on-call. No JavaScript needed."""
    case = _visible_case(request, case_id)
    status = 200
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            # Staff raising a case say why (the service requires it of them); customers need not.
            services.case_update(
                case=case, user=request.user, severity=Severity.OUTAGE, reason=request.POST.get("reason") or None
            )
        except InvalidInput as error:
            # A reason missing or too long: the confirmation again, saying what to fix.
            messages.error(request, " ".join(str(message) for message in error.errors.values()))
            status = 400
        except DomainError as error:
            messages.error(request, error.detail)
            return redirect(case)
        else:
            messages.success(request, f"Case #{case.pk} is now Severity 1, and the on-call team has been paged.")
            return redirect(case)
    refusal = policy.outage_refusal(
        status=case.status,
        severity=case.severity,
        is_member=case.is_member,
        is_staff=is_escalation_staff(request.user),
    )
    if refusal:
        messages.error(request, refusal)
        return redirect(case)
    return render(
        request,
        "cases/case_outage_confirm.html",
        {
            "case": case,
            **_outage_effects(),
            # Staff change a severity with a reason the customer reads in the thread (the service asks it).
            "asks_reason": policy.severity_change_is_staffs(is_member=case.is_member, severity=Severity.OUTAGE),
            "reason": request.POST.get("reason", ""),
            "reason_max": services.REASON_MAX,
        },
        status=status,
    )
