"""The outbox: to see what was sent to whom, what waits, and what was given up.

Read-only but for one action: "Retry delivery" hands failed messages back to the worker.
"""

from django import forms
from django.contrib import admin, messages

from notifications import outbox, preferences
from notifications.models import Notification, Preferences
from portal.widgets import ZoneNameInput


class DeliveryFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("waiting", "Waiting"), ("failed", "Failed")]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "failed":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=False)
        if self.value() == "unsent":
            # The filter's earlier name for everything not sent, kept so old links still work.
            return queryset.filter(sent_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "subject", "created_at", "sent_at", "failed_at", "attempts", "last_error"]
    list_select_related = ["recipient"]
    list_filter = ["kind", DeliveryFilter, "created_at"]
    search_fields = ["subject", "recipient__username", "recipient__email", "dedupe_key"]
    date_hierarchy = "created_at"
    actions = ["retry_delivery"]

    # Rows are written by the services in the event's transaction and claimed by delivery
    # with conditional updates; an admin edit would race with that, so the admin only reads,
    # and the one action goes through the service, which skips rows a delivery holds.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description="Retry delivery", permissions=["retry"])
    def retry_delivery(self, request, queryset):
        selected = list(queryset.values_list("id", flat=True))
        reset = outbox.retry_delivery(ids=selected)
        self.message_user(request, f"{len(reset)} message(s) handed to the worker again.", messages.SUCCESS)
        skipped = len(selected) - len(reset)
        if skipped:
            self.message_user(
                request, f"{skipped} message(s) left alone: already sent, or being delivered right now.", messages.INFO
            )


class PreferencesAdminForm(forms.ModelForm):
    """A person's settings as an admin sets them: the zone checked as the Settings page checks it."""

    class Meta:
        model = Preferences
        fields = ["user", "time_zone", "email_mode"]
        widgets = {"time_zone": ZoneNameInput}

    def clean_time_zone(self):
        try:
            return preferences.chosen_zone(self.cleaned_data["time_zone"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    """Each person sets their own on the Settings page; support can set them here for someone."""

    form = PreferencesAdminForm
    list_display = ("user", "time_zone", "email_mode")
    list_filter = ("email_mode",)
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)
