"""Who changed what in the admin, and when: Django's LogEntry, read-only."""

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.utils.html import format_html

ACTION_NAMES = {ADDITION: "Added", CHANGE: "Changed", DELETION: "Deleted"}


class LogEntryAdmin(admin.ModelAdmin):
    list_display = ["action_time", "user", "content_type", "object_link", "action", "change_message_text"]
    list_select_related = ["user", "content_type"]
    list_filter = ["action_flag", ("content_type", admin.RelatedOnlyFieldListFilter), "action_time"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"
    ordering = ["-action_time", "-id"]
    fields = ["action_time", "user", "content_type", "object_id", "object_repr", "action", "change_message_text"]
    readonly_fields = fields

    # Not on the index: its "Log entries" would stand beside auditlog's, which records every
    # change to the rules (the admin's and the services'), before and after. This list of
    # admin actions stays at its address, and behind each object's History and the index's
    # Recent actions.
    def has_module_permission(self, request):
        return False

    # The log is evidence: nobody edits or removes it through the admin, superusers included.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="action", ordering="action_flag")
    def action(self, entry):
        return ACTION_NAMES.get(entry.action_flag, entry.action_flag)

    @admin.display(description="change message")
    def change_message_text(self, entry):
        return entry.get_change_message()

    @admin.display(description="object", ordering="object_repr")
    def object_link(self, entry):
        """A link to the object while it exists in the admin; its name only once deleted."""
        if entry.action_flag == DELETION:
            return entry.object_repr
        url = entry.get_admin_url()  # None when the model has no admin
        return format_html('<a href="{}">{}</a>', url, entry.object_repr) if url else entry.object_repr
