from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"

    def ready(self):
        from auditlog.registry import auditlog

        from cases.models import Organization, Region, SupportTier

        # Rules too: a tier's windows, a region's calendar and senior management, who
        # belongs to an organization. Recorded with actor, before and after (escalations.audit).
        auditlog.register(SupportTier)
        auditlog.register(Region)
        auditlog.register(Organization, m2m_fields={"members"})

        # Notifications sit below cases: they learn here who is escalation staff, so that
        # each link opens the page where its recipient acts (notifications.links).
        from cases.people import staff_among
        from notifications.links import use_staff_rule

        use_staff_rule(staff_among)

        # Times for people: every page and email asks portal.times in which zone its reader
        # reads, and the rule is this app's (cases.people.time_zone_expression).
        from django.contrib.auth.signals import user_logged_in

        from cases.people import time_zone_expression
        from portal import times

        times.use_zone_rule(time_zone_expression)
        user_logged_in.connect(times.remember_zone_on_sign_in, dispatch_uid="portal.times.remember_zone")
