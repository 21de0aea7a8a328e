"""The made-up words of seed_load's history: names, companies, what customers and staff write."""

from escalations.models import EscalationReason

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jon", "Kemal", "Lena", "Mara",
         "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoe"]
LAST = ["Adler", "Baker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haas", "Ito", "Jensen", "Kowalski",
        "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Schmidt", "Tanaka", "Varga"]
COMPANY = ["Acme", "Blue Harbor", "Cobalt", "Delta Forge", "Evergreen", "Fjord", "Granite", "Helios", "Ion",
           "Juniper", "Kestrel", "Lumen", "Meridian", "Northwind", "Orbit", "Pinnacle", "Quartz", "Redwood"]
COMPANY_KIND = ["Logistics", "Health", "Bank", "Retail", "Energy", "Media", "Insurance", "Labs", "Foods", "Airlines"]
AREAS = ["SSO sign-in", "the REST API", "webhook deliveries", "CSV import", "scheduled reports", "the billing page",
         "data export", "search", "the mobile app", "audit logs", "SCIM provisioning", "dashboards", "invoices",
         "the EU workspace", "email notifications", "API keys", "file uploads", "the admin console"]
SYMPTOMS = ["fails intermittently", "is slow since the last upgrade", "returns 500 errors", "shows stale data",
            "times out for large accounts", "rejects valid input", "stopped working overnight",
            "behaves differently in Firefox", "drops some records", "sends duplicates", "needs clarification"]
REPLIES = [
    "Thanks for the details. Could you send the request ids of two failing calls and the time they happened?",
    "We reproduced it on our side and raised it with engineering; next update within one business day.",
    "Attached are the logs from this morning. It happened again at 09:14 and 09:32 our time.",
    "A fix is rolling out today. Please confirm once you see the problem gone.",
    "This is still happening for about a third of our users, and the workaround no longer helps.",
    "Engineering found the cause: a cache that was not invalidated after the schema change.",
    "Could we get a call with someone from engineering? Our launch depends on this.",
    "Confirmed fixed on our side, thank you. You can close the case.",
]
NOTES = ["Internal: looks like the known issue in the sync worker; linking the engineering ticket.",
         "Internal: customer is renewing next month, keep the CSM in the loop."]
SUMMARIES = {
    EscalationReason.TIME_CONSTRAINT: "Our certificate expires on Friday and the renewal keeps failing.",
    EscalationReason.MAJOR_IMPAIRMENT: "Half of our users cannot work; the workaround stopped helping yesterday.",
    EscalationReason.FIRST_RESPONSE_MISSED: "Nobody has answered this case yet, well past the first-response SLA.",
    EscalationReason.NO_UPDATES: "No update on this case for days despite two follow-ups from us.",
    EscalationReason.OTHER: "We need someone senior to look at this: the fixes so far have not held.",
}
DECISIONS = {
    "accepted": "Accepted: an engineer is assigned full time and you will hear from us every four hours.",
    "not_accepted": "Not accepted: the fix is already scheduled for tomorrow's release, which is the fastest path.",
}

