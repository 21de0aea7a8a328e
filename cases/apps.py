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
