from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_delete, post_save

        from cases.models import Region
        from escalations.models import (
            BusinessCalendar,
            Escalation,
            EscalationLevel,
            EscalationWindow,
            Holiday,
            RootCauseAnalysis,
        )
        from escalations.selectors import forget_calendars

        # The rules: every admin change is recorded with its actor (AuditlogMiddleware)
        # and the values before and after, many-to-many changes included.
        auditlog.register(EscalationWindow)
        auditlog.register(EscalationLevel, m2m_fields={"alerted_groups"})
        auditlog.register(BusinessCalendar)
        auditlog.register(Holiday)
        # Escalations and analyses change through the services, which record each change
        # themselves (escalations.audit) because their conditional updates send no signals.
        # Registered too, so that writes outside the services (a case deleted in the admin
        # with its escalations, an analysis edited there) are not lost; the services create
        # their rows with auditlog's signals off, so nothing is recorded twice.
        auditlog.register(Escalation)
        auditlog.register(RootCauseAnalysis)

        # The calendar map each process keeps (escalations.selectors.calendar_map).
        for model in (BusinessCalendar, Holiday, Region):
            post_save.connect(forget_calendars, sender=model, dispatch_uid=f"forget_calendars_{model.__name__}_save")
            post_delete.connect(
                forget_calendars, sender=model, dispatch_uid=f"forget_calendars_{model.__name__}_delete"
            )
