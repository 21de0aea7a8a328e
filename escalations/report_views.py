"""The compliance report page and its CSV export, for escalation staff only.

Both read the clock once and load the calendars once (one ``calendar_map()`` per request);
the numbers come from ``escalations.reports``.
"""

import csv
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from cases.people import is_escalation_staff
from escalations import reports
from escalations.selectors import calendar_map

CSV_COLUMNS = (
    "scope",
    "level",
    "responder",
    "escalations",
    "decided",
    "within_sla",
    "missed",
    "open",
    "share_within_sla",
    "median_business_minutes",
)
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(days, f"{days} days") for days in reports.PERIOD_DAYS],
        coerce=int,
        required=False,
        empty_value=reports.DEFAULT_PERIOD_DAYS,
    )


def staff_only(view):
    """Anonymous visitors sign in first; anyone else who is not escalation staff gets a 404."""

    @wraps(view)
    @login_required
    @require_safe
    def wrapped(request, *args, **kwargs):
        if not is_escalation_staff(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _period(request) -> int | None:
    """The requested number of days (7, 30 or 90; 30 when not given); None when invalid."""
    form = PeriodForm(request.GET)
    return form.cleaned_data["days"] if form.is_valid() else None


def _report(days: int) -> reports.ComplianceReport:
    return reports.compliance_report(now=timezone.now(), days=days, calendars=calendar_map())


@staff_only
def compliance_report(request):
    days = _period(request)
    if days is None:
        context = {"periods": reports.PERIOD_DAYS, "days": None, "report": None}
        return render(request, "escalations/report.html", context, status=400)
    report = _report(days)
    return render(
        request,
        "escalations/report.html",
        {
            "periods": reports.PERIOD_DAYS,
            "days": days,
            "report": report,
            "chart": reports.compliance_chart(report),
            "target_percent": round(reports.SLA_TARGET * 100),
        },
    )


@staff_only
def compliance_csv(request):
    days = _period(request)
    if days is None:
        return HttpResponseBadRequest("days must be one of 7, 30 or 90.\n", content_type="text/plain")
    report = _report(days)
    filename = f"escalation-compliance-{report.start:%Y-%m-%d}-to-{report.end:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(csv_cells(row))
    return response


def csv_cells(row: reports.ComplianceRow) -> list:
    share = row.share_within_sla
    median = row.median_business_time
    return [
        row.scope.value,
        row.level if row.level is not None else "",
        safe_cell(row.responder),
        row.escalations,
        row.decided,
        row.within_sla,
        row.missed,
        row.open,
        f"{share:.4f}" if share is not None else "",
        f"{median.total_seconds() / 60:.1f}" if median is not None else "",
    ]


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets a single quote."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
