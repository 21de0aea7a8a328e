"""Admin for the customer side: tiers, regions, organizations and (mostly read-only) cases."""

from django.contrib import admin

from cases.models import Case, CaseComment, Organization, Region, SupportTier


@admin.register(SupportTier)
class SupportTierAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "rank", "organization_count"]
    list_editable = ["rank"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["rank", "name"]

    @admin.display(description="organizations")
    def organization_count(self, tier):
        return tier.organizations.count()


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "senior_management", "calendar"]
    list_select_related = ["senior_management", "calendar"]
    list_filter = ["calendar"]
    search_fields = ["name"]
    autocomplete_fields = ["senior_management"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "region", "csm"]
    list_select_related = ["tier", "region", "csm"]
    list_filter = ["tier", "region"]
    search_fields = ["name"]
    # Autocomplete rather than select boxes: a portal has thousands of users.
    autocomplete_fields = ["csm", "members"]


class CaseCommentInline(admin.TabularInline):
    """The thread, for reading. Replies are written on the case page (comment_create), which
    keeps first-response times and statuses right; the admin may only hide a comment."""

    model = CaseComment
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "kind", "body", "public"]
    readonly_fields = ["created_at", "author", "kind", "body"]
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "organization", "severity", "customer_priority", "status", "created_at"]
    list_display_links = ["id", "subject"]
    list_select_related = ["organization"]
    list_filter = ["status", "severity", "customer_priority", "organization__tier", "created_at"]
    search_fields = ["=id", "subject", "organization__name", "requester__username", "requester__email"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["assignee"]
    # Severity stays read-only: raising a case to 1 must page on-call, which only the
    # case services do (case_create, case_update). created_at starts the escalation wait.
    readonly_fields = ["organization", "requester", "severity", "created_at", "updated_at", "first_response_at"]
    fields = [
        "organization",
        "requester",
        "subject",
        "description",
        "severity",
        "customer_priority",
        "status",
        "assignee",
        "created_at",
        "updated_at",
        "first_response_at",
    ]
    inlines = [CaseCommentInline]

    def has_add_permission(self, request):
        # Cases are opened through the portal or the API (case_create), which pages
        # on-call for Severity 1; an admin-made case would skip that.
        return False
