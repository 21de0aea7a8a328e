"""The outbox, read-only: to see what was sent to whom, and what is stuck."""

from django.contrib import admin

from notifications.models import Notification


class SentFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("unsent", "Not sent yet"), ("failing", "Not sent, with errors")]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "unsent":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "failing":
            return queryset.filter(sent_at__isnull=True).exclude(last_error="")
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "subject", "created_at", "sent_at", "attempts", "last_error"]
    list_select_related = ["recipient"]
    list_filter = ["kind", SentFilter, "created_at"]
    search_fields = ["subject", "recipient__username", "recipient__email", "dedupe_key"]
    date_hierarchy = "created_at"

    # Rows are written by the services in the event's transaction and claimed by delivery
    # with conditional updates; an admin edit would race with that, so the admin only reads.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
