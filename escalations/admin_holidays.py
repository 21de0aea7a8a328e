"""Import a country's public holidays into a business calendar, with the `holidays` package."""

from dataclasses import dataclass

import holidays
from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from escalations import audit
from escalations.models import BusinessCalendar, Holiday
from escalations.recompute import pending_deadlines_recompute, recompute_summary

MAX_YEARS = 5
NAME_MAX_LENGTH = Holiday._meta.get_field("name").max_length


class HolidayImportForm(forms.Form):
    country = forms.CharField(max_length=3, help_text="An ISO 3166 country code, for example DE, US or GB.")
    subdivision = forms.CharField(
        required=False,
        max_length=20,
        help_text="Optional: a state or region code, for example BY (Bavaria) or CA (California).",
    )
    first_year = forms.IntegerField(min_value=1950, max_value=2100, initial=lambda: timezone.localdate().year)
    last_year = forms.IntegerField(
        min_value=1950,
        max_value=2100,
        required=False,
        help_text=f"Optional: import up to and including this year, at most {MAX_YEARS} years in all.",
    )
    language = forms.CharField(
        required=False,
        max_length=10,
        help_text="Optional: the language of the names, for example de or en_US. Empty: English where available.",
    )

    def clean_country(self):
        code = self.cleaned_data["country"].strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValidationError(
                f"“{code}” is not a country the holidays package knows. Use an ISO 3166 code such as DE, US or GB."
            )
        return code

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        first, last = cleaned.get("first_year"), cleaned.get("last_year")
        if first is not None:
            last = first if last is None else last
            if last < first:
                self.add_error("last_year", "The last year cannot come before the first year.")
            elif last - first + 1 > MAX_YEARS:
                self.add_error("last_year", f"Import at most {MAX_YEARS} years at a time.")
            else:
                cleaned["years"] = list(range(first, last + 1))
        if country:
            cleaned["subdivision"] = self._clean_subdivision(country, cleaned.get("subdivision", ""))
            cleaned["language"] = self._clean_language(country, cleaned.get("language", ""))
        return cleaned

    def _clean_subdivision(self, country, subdivision):
        """The package's spelling of the subdivision; "" when none was given or it is unknown."""
        subdivision = subdivision.strip()
        if not subdivision:
            return ""
        known = {code.upper(): code for code in holidays.list_supported_countries()[country]}
        if subdivision.upper() not in known:
            examples = ", ".join(sorted(known)[:8]) or "none"
            self.add_error("subdivision", f"{country} has no subdivision “{subdivision}”. Known: {examples}…")
            return ""
        return known[subdivision.upper()]

    def _clean_language(self, country, language):
        """The chosen language, else English where the package has it, else the country's own.

        Always explicit: left to itself the package picks names from the server's locale.
        """
        entity = holidays.country_holidays(country)
        supported = entity.supported_languages
        language = language.strip()
        if not language:
            return "en_US" if "en_US" in supported else entity.default_language
        if language not in supported:
            self.add_error("language", f"Names for {country} come in: {', '.join(supported) or 'one language only'}.")
            return ""
        return language


@dataclass(frozen=True)
class HolidayImport:
    created: list[Holiday]
    skipped: int
    # Pending escalation deadlines that moved off the new holidays.
    recomputed: int = 0


@transaction.atomic
def holidays_import(*, calendar, country, years, subdivision="", language=None, actor=None) -> HolidayImport:
    """Add the country's public holidays in those years to the calendar; dates it already has are skipped.

    A date already on the calendar keeps its name: an admin's own entry wins over the package's.
    Each added holiday is recorded in the audit trail with ``actor`` as the one who added it.
    The pending escalations on the calendar get their deadlines recomputed in the same transaction.
    """
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=years, language=language)
    # Lock the calendar so two imports into it run one after the other: the second one
    # then sees the first one's rows and skips them instead of hitting the unique constraint.
    BusinessCalendar.objects.select_for_update().filter(pk=calendar.pk).exists()
    existing = set(calendar.holidays.filter(date__in=list(found)).values_list("date", flat=True))
    new = [
        Holiday(calendar=calendar, date=day, name=name[:NAME_MAX_LENGTH])
        for day, name in sorted(found.items())
        if day not in existing
    ]
    created = Holiday.objects.bulk_create(new)
    # bulk_create sends no signals, so auditlog does not see these rows: record each here.
    source = " ".join(filter(None, ["holidays package", "-".join(filter(None, [country, subdivision]))]))
    for holiday in created:
        audit.record_creation(
            holiday, actor=actor, fields=("calendar", "date", "name"), event="imported", extra={"source": source}
        )
    recomputed = pending_deadlines_recompute(calendar=calendar, by=actor) if created else 0
    return HolidayImport(created=created, skipped=len(found) - len(new), recomputed=recomputed)


def import_summary(result: HolidayImport) -> str:
    count = len(result.created)
    return f"Imported {count} holiday{'' if count == 1 else 's'}, skipped {result.skipped} already present."


def holiday_import_view(model_admin, request, object_id):
    """The "Import public holidays" page of one calendar (BusinessCalendarAdmin.get_urls)."""
    calendar = model_admin.get_object(request, unquote(object_id))
    if calendar is None:
        raise Http404("No such calendar.")
    if not (model_admin.has_change_permission(request, calendar) and request.user.has_perm("escalations.add_holiday")):
        raise PermissionDenied
    form = HolidayImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = holidays_import(
            calendar=calendar,
            country=data["country"],
            years=data["years"],
            subdivision=data["subdivision"],
            language=data["language"],
            actor=request.user,
        )
        summary = import_summary(result)
        if result.created:
            source = "-".join(filter(None, [data["country"], data["subdivision"]]))
            span = f"{data['years'][0]}-{data['years'][-1]}" if len(data["years"]) > 1 else str(data["years"][0])
            model_admin.log_change(request, calendar, f"{summary} Source: holidays package, {source} {span}.")
            # One addition per holiday, so each holiday's history says who added it and how;
            # log_actions is the bulk form of ModelAdmin.log_addition.
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=result.created,
                action_flag=ADDITION,
                change_message=f"Imported from the holidays package ({source} {span}).",
            )
        model_admin.message_user(request, summary, messages.SUCCESS)
        if result.recomputed:
            model_admin.message_user(request, recompute_summary(result.recomputed), messages.SUCCESS)
        return redirect(reverse("admin:escalations_businesscalendar_change", args=[calendar.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Import public holidays into {calendar}",
        "opts": model_admin.model._meta,
        "original": calendar,
        "form": form,
        "holiday_count": calendar.holidays.count(),
    }
    return TemplateResponse(request, "admin/escalations/businesscalendar/holiday_import.html", context)
