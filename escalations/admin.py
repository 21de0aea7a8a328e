"""Admin for the escalation rules (windows, levels, calendars) and the escalation record."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.text import capfirst

from cases.models import Severity, SupportTier
from escalations import audit
from escalations.admin_forms import (
    HOURS_HELP,
    BusinessCalendarForm,
    EscalationWindowForm,
    EscalationWindowListForm,
    HolidayInlineFormSet,
    HoursField,
    format_hours,
)
from escalations.admin_holidays import holiday_import_view
from escalations.admin_log import LogEntryAdmin
from escalations.models import (
    BusinessCalendar,
    Escalation,
    EscalationLevel,
    EscalationWindow,
    Holiday,
    RootCauseAnalysis,
)
from escalations.recompute import pending_deadlines_recompute, recompute_summary

# Site-wide, set here because tuning these rules is what the admin is for.
admin.site.site_header = "Case Portal administration"
admin.site.site_title = "Case Portal admin"
admin.site.index_title = "Escalation rules, cases and customers"

admin.site.register(LogEntry, LogEntryAdmin)

# The article defines four levels; the services and templates know them by number.
LEVEL_COUNT = 4
ESCALATING_SEVERITIES = [s for s in Severity if s != Severity.OUTAGE]


def hours_field(help_text):
    """formfield_overrides for DurationFields: entered and shown in hours, with a help text of our own."""
    return {models.DurationField: {"form_class": HoursField, "help_text": help_text, "widget": HoursField.widget}}


@admin.register(EscalationWindow)
class EscalationWindowAdmin(admin.ModelAdmin):
    form = EscalationWindowForm
    # The wait is a box in hours ("4") for who may change it; wait_in_hours ("4 h") for who may only look.
    list_display = ["severity", "tier", "wait"]
    list_display_links = ["severity"]
    list_editable = ["wait"]
    list_select_related = ["tier"]
    list_filter = ["severity", "tier"]
    # Reads as the severity x tier table: a severity's tiers together, premium first.
    ordering = ["severity", "tier__rank", "tier__name"]
    formfield_overrides = hours_field(
        f"{HOURS_HELP} Wall-clock time from when the case was opened before its customer may escalate."
    )

    @admin.display(description="wait", ordering="wait")
    def wait_in_hours(self, window):
        return format_hours(window.wait)

    def get_list_display(self, request):
        if self.has_change_permission(request):
            return self.list_display
        return ["wait_in_hours" if name == "wait" else name for name in self.list_display]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=EscalationWindowListForm, **kwargs)

    def get_urls(self):
        matrix = path(
            "matrix/",
            self.admin_site.admin_view(self.matrix_view),
            name="escalations_escalationwindow_matrix",
        )
        # Before the defaults, whose "<path:object_id>/" would swallow "matrix/".
        return [matrix, *super().get_urls()]

    def matrix_view(self, request):
        """The windows as the article's table: a row per severity, a column per tier."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        tiers = list(SupportTier.objects.order_by("rank", "name"))
        windows = {(w.severity, w.tier_id): w for w in EscalationWindow.objects.all()}
        can_add = self.has_add_permission(request)
        add_url = reverse("admin:escalations_escalationwindow_add")
        rows = []
        for severity in ESCALATING_SEVERITIES:
            cells = []
            for tier in tiers:
                window = windows.get((severity.value, tier.pk))
                cell = {"id": f"window-{severity.value}-{tier.slug}"}
                if window is not None:
                    cell["text"] = format_hours(window.wait)
                    cell["url"] = reverse("admin:escalations_escalationwindow_change", args=[window.pk])
                else:
                    # No window means no wait: eligibility lets such cases escalate at once.
                    cell["text"] = "not set: no wait"
                    cell["missing"] = True
                    if can_add:
                        cell["url"] = f"{add_url}?{urlencode({'severity': severity.value, 'tier': tier.pk})}"
                cells.append(cell)
            rows.append({"label": severity.label, "cells": cells})
        context = {
            **self.admin_site.each_context(request),
            "title": "Escalation windows: severity \N{MULTIPLICATION SIGN} tier",
            "opts": self.opts,
            "tiers": tiers,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/escalations/escalationwindow/matrix.html", context)


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "responder", "requires_rca", "review_within_hours"]
    list_display_links = ["number", "name"]
    fields = [
        "number",
        "name",
        "description",
        "alerted_groups",
        "alert_account_csm",
        "alert_region_senior_management",
        "responder",
        "requires_rca",
        "review_within",
    ]
    formfield_overrides = {
        **hours_field(f"{HOURS_HELP} Business time the responders have to review."),
        # A tick box per group, each with its label: a handful of groups, read at a glance
        # (the two-box filter widget is built for hundreds, and names its boxes poorly).
        # ("radiolist": the admin's own style for a column of choices.)
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple(attrs={"class": "radiolist"})},
    }

    @admin.display(description="review within", ordering="review_within")
    def review_within_hours(self, level):
        return format_hours(level.review_within)

    def get_readonly_fields(self, request, obj=None):
        # Escalations refer to levels by number: renumbering would rewrite their history.
        return ["number"] if obj is not None else []

    def has_add_permission(self, request):
        # Only to restore a missing one of the four; the model validates the number (1-4).
        return super().has_add_permission(request) and EscalationLevel.objects.count() < LEVEL_COUNT

    def has_delete_permission(self, request, obj=None):
        return False


# What review deadlines are computed from (DESIGN.md: deadlines follow their calendar).
CALENDAR_DEADLINE_FIELDS = {"timezone", "working_days", "opens_at", "closes_at", "is_default"}
HOLIDAY_DEADLINE_FIELDS = {"calendar", "date"}


def recompute_deadlines(model_admin, request, calendars) -> int:
    """Recompute the pending deadlines on each calendar and say how many moved, if any did."""
    count = sum(pending_deadlines_recompute(calendar=calendar, by=request.user) for calendar in calendars)
    if count:
        model_admin.message_user(request, recompute_summary(count), messages.SUCCESS)
    return count


def default_calendars():
    """The default calendar in a list, empty if there is none."""
    return list(BusinessCalendar.objects.filter(is_default=True))


class HolidayInline(admin.TabularInline):
    model = Holiday
    formset = HolidayInlineFormSet
    extra = 1
    fields = ["date", "name"]
    ordering = ["date"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "timezone", "working_days_list", "opens_at", "closes_at", "is_default", "holiday_count"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "is_default"]}),
        ("Business hours", {"fields": ["timezone", "working_days", "opens_at", "closes_at"]}),
    ]
    inlines = [HolidayInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(holiday_count=Count("holidays"))

    @admin.display(description="working days")
    def working_days_list(self, calendar):
        return calendar.working_days_display

    @admin.display(description="holidays", ordering="holiday_count")
    def holiday_count(self, calendar):
        return calendar.holiday_count

    def get_urls(self):
        importer = path(
            "<path:object_id>/import-holidays/",
            self.admin_site.admin_view(self.holiday_import),
            name="escalations_businesscalendar_import",
        )
        return [importer, *super().get_urls()]

    def holiday_import(self, request, object_id):
        return holiday_import_view(self, request, object_id)

    def save_model(self, request, obj, form, change):
        """Saving a calendar as the default unsets the previous default in the same transaction."""
        previous = []
        with transaction.atomic():
            if obj.is_default:
                # Lock every calendar (there are few), so that two admins choosing different
                # defaults at once take turns; the second then sees and unsets the first's.
                list(BusinessCalendar.objects.select_for_update().values_list("pk", flat=True))
                previous = list(BusinessCalendar.objects.filter(is_default=True).exclude(pk=obj.pk))
                BusinessCalendar.objects.filter(pk__in=[c.pk for c in previous]).update(is_default=False)
                # The update sends no signals: record it as the signal would have.
                for calendar in previous:
                    audit.record_change(
                        calendar, actor=request.user, event="default_unset", changes={"is_default": (True, False)}
                    )
            super().save_model(request, obj, form, change)
            for calendar in previous:
                self.log_change(request, calendar, f"No longer the default calendar: “{obj}” is.")

    def save_related(self, request, form, formsets, change):
        """The holidays of the inline are saved here; only then can the deadlines be recomputed.

        Still inside the change form's transaction: the deadlines move with the calendar or not at all.
        A calendar made the default takes over the escalations of organizations without a regional
        calendar, so its recompute moves theirs too.
        """
        super().save_related(request, form, formsets, change)
        if CALENDAR_DEADLINE_FIELDS.intersection(form.changed_data) or any(f.has_changed() for f in formsets):
            recompute_deadlines(self, request, [form.instance])

    def delete_model(self, request, obj):
        # Its regions fall back to the default calendar (Region.calendar is SET_NULL). The
        # admin's delete view runs in a transaction: deleted and recomputed together.
        super().delete_model(request, obj)
        recompute_deadlines(self, request, default_calendars())

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            recompute_deadlines(self, request, default_calendars())

    def has_delete_permission(self, request, obj=None):
        # The default calendar stays until another one takes over (review deadlines use it).
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "calendar"]
    list_select_related = ["calendar"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    date_hierarchy = "date"

    # The change form and the delete view run in a transaction of the admin's: the holiday and
    # the deadlines change together. The bulk delete action does not, hence the atomic there.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not HOLIDAY_DEADLINE_FIELDS.intersection(form.changed_data):
            return  # a new name moves no deadline
        # A holiday moved to another calendar changes both.
        ids = {obj.calendar_id, form.initial.get("calendar")} - {None}
        recompute_deadlines(self, request, BusinessCalendar.objects.filter(pk__in=ids).order_by("pk"))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_deadlines(self, request, BusinessCalendar.objects.filter(pk=obj.calendar_id))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            ids = set(queryset.values_list("calendar_id", flat=True))
            super().delete_queryset(request, queryset)
            recompute_deadlines(self, request, BusinessCalendar.objects.filter(pk__in=ids).order_by("pk"))


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(overdue_at__isnull=self.value() == "no")
        return queryset


class RootCauseAnalysisInline(admin.StackedInline):
    """Shown with its escalation; filed and edited in its own admin (or the RCA form)."""

    model = RootCauseAnalysis
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """The escalation record, view-only: every state change goes through the services
    (escalate, decide, the deadline sweep), which notify people and post to the case."""

    list_display = ["case", "level", "status", "requested_by", "created_at", "review_due_at", "overdue_at"]
    list_select_related = ["case", "requested_by"]
    list_filter = ["status", "level", OverdueFilter, "reason", "created_at"]
    search_fields = ["=case__id", "case__subject", "case__organization__name", "requested_by__username"]
    date_hierarchy = "created_at"
    inlines = [RootCauseAnalysisInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RootCauseAnalysis)
class RootCauseAnalysisAdmin(admin.ModelAdmin):
    list_display = ["escalation", "completed_by", "completed_at"]
    list_select_related = ["escalation__case", "completed_by"]
    search_fields = ["=escalation__case__id", "escalation__case__subject", "root_cause"]
    date_hierarchy = "completed_at"
    autocomplete_fields = ["completed_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["escalation"] if obj is not None else []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
            # Django writes "Date:" and "Time:" as text beside the boxes: name the boxes themselves.
            label = capfirst(db_field.verbose_name)
            date_box, time_box = formfield.widget.widgets
            date_box.attrs["aria-label"] = f"{label}: date"
            time_box.attrs["aria-label"] = f"{label}: time"
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "escalation":
            # The article asks for an analysis at Level 4 only.
            kwargs["queryset"] = Escalation.objects.filter(level=LEVEL_COUNT).select_related("case")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Regions and organizations, registered by cases.admin, recompute deadlines when they move calendar.
from escalations import admin_regions  # noqa: E402, F401
