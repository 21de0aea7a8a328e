"""The case's audit trail as a CSV, for escalation staff: one row per field changed."""

import csv
from datetime import UTC

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from cases.models import Case
from escalations import audit
from escalations.report_views import safe_cell, staff_only

HISTORY_COLUMNS = ("timestamp", "actor", "object", "action", "field", "before", "after")


def history_rows(history: list[audit.HistoryEntry]):
    """One row per changed field, oldest first; an entry without field changes gets one row."""
    for item in history:
        stamp = item.timestamp.astimezone(UTC).isoformat()
        head = [stamp, item.actor_name, item.object_label, item.action]
        for change in item.changes or [None]:
            cells = [change.field, change.before, change.after] if change else ["", "", ""]
            yield [safe_cell(str(cell)) for cell in head + cells]


@staff_only
def case_history_csv(request, case_id):
    """Every audit entry of the case, its escalations and their analyses (404 for non-staff)."""
    case = get_object_or_404(Case, pk=case_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-history.csv"'
    writer = csv.writer(response)
    writer.writerow(HISTORY_COLUMNS)
    writer.writerows(history_rows(audit.case_history(case)))
    return response
