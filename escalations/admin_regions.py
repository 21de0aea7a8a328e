"""Regions and organizations in the admin, with their deadlines following them.

cases.admin registers both; a region's calendar and an organization's region decide which
calendar counts the review deadlines of their escalations, and recomputing them is
escalations' (recompute.py). So the admin of both is extended here, in the higher app,
rather than cases importing upward.
"""

from django.contrib import admin

from cases.admin import OrganizationAdmin, RegionAdmin
from cases.models import Organization, Region
from escalations.admin import default_calendars, recompute_deadlines


def _calendars_of(region) -> list:
    """The calendar that counts the deadlines of a region's escalations: its own, else the default."""
    if region is not None and region.calendar_id is not None:
        return [region.calendar]
    return default_calendars()


class RegionDeadlinesAdmin(RegionAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "calendar" in form.changed_data:
            recompute_deadlines(self, request, _calendars_of(obj))


class OrganizationDeadlinesAdmin(OrganizationAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "region" in form.changed_data:
            recompute_deadlines(self, request, _calendars_of(obj.region))


admin.site.unregister(Region)
admin.site.register(Region, RegionDeadlinesAdmin)
admin.site.unregister(Organization)
admin.site.register(Organization, OrganizationDeadlinesAdmin)
