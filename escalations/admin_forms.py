"""Admin form pieces for the escalation rules: waits in hours, windows, calendars."""

import re
import zoneinfo
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from cases.models import Severity
from escalations.models import WEEKDAY_NAMES, BusinessCalendar, EscalationWindow

HOURS_HELP = "Hours and minutes, for example 8:00:00, 8 h or 1 h 30 min."

# "8 h", "4.5h", "1 h 30 min", "45 min"; the sign is accepted so that "-2 h" gets the
# "cannot be negative" message rather than "not a duration".
_HOURS_RE = re.compile(
    r"(?P<sign>-)?\s*(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)\s*h(?:ours?)?)?\s*(?:(?P<minutes>\d+)\s*m(?:in(?:utes?)?)?)?",
    re.IGNORECASE,
)
_BARE_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")


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


class HoursField(forms.DurationField):
    """Django's DurationField ("8:00:00") that also reads "8 h" and refuses a bare "8".

    A bare number is refused because DurationField would read it as seconds, while an
    admin tuning waits means hours: better to ask than to store eight seconds.
    """

    default_error_messages = {
        "invalid": "Enter hours and minutes, for example 8:00:00 or 8 h.",
        "bare_number": "Say the unit: %(value)s h, or %(value)s:00:00 for %(value)s hours.",
    }

    def prepare_value(self, value):
        if isinstance(value, timedelta):
            return clock_string(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip()
            if _BARE_NUMBER_RE.fullmatch(text):
                raise ValidationError(self.error_messages["bare_number"], code="invalid", params={"value": text})
            match = _HOURS_RE.fullmatch(text)
            if match and (match["hours"] or match["minutes"]):
                try:
                    wait = timedelta(hours=float(match["hours"] or 0), minutes=int(match["minutes"] or 0))
                except OverflowError:
                    raise ValidationError(self.error_messages["overflow"], code="overflow", params={
                        "min_days": timedelta.min.days, "max_days": timedelta.max.days,
                    })  # fmt: skip
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


def _timezone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class BusinessCalendarForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one working day."},
    )
    timezone = forms.ChoiceField(
        choices=_timezone_choices,
        help_text="An IANA time zone, e.g. Europe/Berlin.",
        error_messages={"invalid_choice": "“%(value)s” is not an IANA time zone name, e.g. Europe/Berlin."},
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
