"""Admin form pieces for the escalation rules: waits in hours, windows, calendars."""

import re
import zoneinfo
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from cases.models import Severity
from escalations.models import WEEKDAY_NAMES, BusinessCalendar, EscalationWindow
from portal.times import canonical_zone_name
from portal.widgets import ZoneNameInput

HOURS_HELP = "In hours: 4, or 4.5 for four and a half hours (1 h 30 min works too)."

# "8 h", "4.5h", "1 h 30 min", "45 min"; the sign is accepted so that "-2 h" gets the
# "cannot be negative" message rather than "not a duration".
_HOURS_RE = re.compile(
    r"(?P<sign>-)?\s*(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)\s*h(?:ours?)?)?\s*(?:(?P<minutes>\d+)\s*m(?:in(?:utes?)?)?)?",
    re.IGNORECASE,
)
_BARE_NUMBER_RE = re.compile(r"-?\s*\d+(?:[.,]\d+)?")


def format_hours(value: timedelta | None) -> str:
    """A wait as people say it: "4 h", "1 h 30 min", "45 min"; an em dash for None."""
    if value is None:
        return "\N{EM DASH}"
    total = int(value.total_seconds())
    sign, total = ("-" if total < 0 else ""), abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h"] if hours or not (minutes or seconds) else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{seconds} s"] if seconds else []
    return sign + " ".join(parts)


def clock_string(value: timedelta) -> str:
    """H:MM:SS with hours past 24 ("24:00:00", not Django's "1 00:00:00"); parse_duration reads it back."""
    total = int(value.total_seconds())
    sign, total = ("-" if total < 0 else ""), abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02}:{seconds:02}"


def hours_text(value: timedelta) -> str:
    """A duration as the hours field shows it: "4", "4.5", "0.25"; "1 h 20 min" where a
    decimal would not be exact, "8:00:30" for odd seconds (HoursField reads each back as
    the same duration)."""
    seconds = int(value.total_seconds())
    hundredths, rest = divmod(seconds * 100, 3600)
    if not rest:
        return f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")
    return format_hours(value) if seconds % 60 == 0 else clock_string(value)


class HoursInput(forms.TextInput):
    """A short text box followed by its unit, "hours"; a phone offers its number pad."""

    def __init__(self, attrs=None):
        super().__init__({"size": 6, "inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html('{} <span class="hours-unit">hours</span>', field)


class HoursField(forms.DurationField):
    """A duration entered and shown in hours: "4" and "4.5" are hours, as an admin tuning
    waits means them (Django's DurationField would read "4" as four seconds).

    Also reads "4 h", "1 h 30 min" and Django's "4:00:00"; stores the timedelta as before.
    """

    widget = HoursInput
    default_error_messages = {
        "invalid": "Enter a number of hours, for example 4 or 4.5.",
    }

    def prepare_value(self, value):
        if isinstance(value, timedelta):
            return hours_text(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip()
            if _BARE_NUMBER_RE.fullmatch(text):
                # "4.5" or, typed on a keyboard that writes decimal commas, "4,5".
                text = text.replace(",", ".").replace(" ", "") + " h"
            match = _HOURS_RE.fullmatch(text)
            if match and (match["hours"] or match["minutes"]):
                try:
                    # To the minute: "4.333" is 4 h 20 min, which reads back the same.
                    minutes = round(float(match["hours"] or 0) * 60) + int(match["minutes"] or 0)
                    wait = timedelta(minutes=minutes)
                except OverflowError:
                    # Django's own message, formatted as DurationField formats it (str.format).
                    message = self.error_messages["overflow"].format(
                        min_days=timedelta.min.days, max_days=timedelta.max.days
                    )
                    raise ValidationError(message, code="overflow") from None
                return -wait if match["sign"] else wait
        return super().to_python(value)


class EscalationWindowForm(forms.ModelForm):
    # The select offers 2-4 only; a Severity 1 request (a crafted or stale form) is
    # answered with the article's reason rather than Django's "not a valid choice".
    severity = forms.TypedChoiceField(
        choices=[c for c in Severity.choices if c[0] != Severity.OUTAGE],
        coerce=int,
        error_messages={
            "invalid_choice": (
                "Only severities 2, 3 and 4 have a wait: Severity 1 is an outage and never "
                "escalates (it pages on-call at once)."
            )
        },
    )

    class Meta:
        model = EscalationWindow
        fields = ["severity", "tier", "wait"]

    def clean(self):
        cleaned = super().clean()
        severity, tier = cleaned.get("severity"), cleaned.get("tier")
        if severity is not None and tier is not None:
            others = EscalationWindow.objects.exclude(pk=self.instance.pk)
            existing = others.filter(severity=severity, tier=tier).first()
            if existing is not None:
                # On the tier field, so the model's own unique check (and its generic
                # "already exists" message) is skipped for this form.
                self.add_error(
                    "tier",
                    f"Severity {severity} already has a window for {tier} ({format_hours(existing.wait)}): "
                    "change that window instead of adding a second one.",
                )
        return cleaned


class EscalationWindowListForm(forms.ModelForm):
    """A row of the windows list. The list has no <label> per box, so each wait box is named
    after its row ("Wait for Severity 2 - Major impairment, Premium, in hours")."""

    class Meta:
        model = EscalationWindow
        fields = ["wait"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        window = self.instance
        if "wait" in self.fields and window.pk is not None:
            name = f"Wait for {window.get_severity_display()}, {window.tier.name}, in hours"
            self.fields["wait"].widget.attrs["aria-label"] = name
            # The list shows no help text, so no box may point at one (aria-describedby).
            self.fields["wait"].help_text = ""


class HolidayInlineFormSet(forms.BaseInlineFormSet):
    """The calendar page's holiday rows. A table row has no <label>s, so each box is named
    after its holiday ("Date of Christmas Day", "Delete Christmas Day"; "… new holiday")."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        holiday = f"“{form.instance.name}”" if form.instance.pk is not None else "a new holiday"
        names = {"date": f"Date of {holiday}", "name": f"Name of {holiday}", "DELETE": f"Delete {holiday}"}
        for field_name, name in names.items():
            if field_name in form.fields:
                form.fields[field_name].widget.attrs["aria-label"] = name


class ZoneNameField(forms.CharField):
    """An IANA time zone name, found whatever its case ("europe/berlin" -> "Europe/Berlin")."""

    widget = ZoneNameInput
    default_error_messages = {"unknown": "“%(value)s” is not an IANA time zone name, e.g. Europe/Berlin."}

    def clean(self, value):
        text = super().clean(value)
        if text in zoneinfo.available_timezones():
            return text  # also the few the list does not offer (Etc/GMT+5), kept as saved
        name = canonical_zone_name(text)
        if name is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown", params={"value": text})
        return name


class BusinessCalendarForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one working day."},
    )
    timezone = ZoneNameField(
        label="Time zone",
        max_length=64,
        help_text="Type a city or region, e.g. “Berlin” or “New_York”, and pick the zone from the list.",
    )
    # Declared here and excluded from the model fields on purpose: the model would check
    # the one-default constraint against the calendar that save_model is about to unset,
    # and refuse with "Constraint ... is violated".
    is_default = forms.BooleanField(
        required=False,
        label="Default calendar",
        help_text="Used by regions without a calendar. Making this the default unsets the previous one.",
    )

    class Meta:
        model = BusinessCalendar
        # exclude, not fields: the admin's fieldsets decide the fields, and only an
        # excluded model field is left out of the model's constraint validation.
        exclude = ["is_default"]  # noqa: DJ006

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Fields declared here get no initial value from the model's defaults: take them
        # from the instance (a new one carries the defaults: Mon-Fri, UTC, not default).
        for name in ("working_days", "timezone", "is_default"):
            self.initial.setdefault(name, getattr(self.instance, name))

    def clean_working_days(self):
        return sorted(set(self.cleaned_data["working_days"]))

    def clean_is_default(self):
        is_default = self.cleaned_data["is_default"]
        if self.instance.is_default and not is_default:
            raise ValidationError(
                "Review deadlines need a default calendar: make another calendar the default instead."
            )
        return is_default

    def clean(self):
        cleaned = super().clean()
        if "is_default" in cleaned:
            self.instance.is_default = cleaned["is_default"]
        return cleaned
