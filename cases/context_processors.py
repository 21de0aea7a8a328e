from cases.people import is_escalation_staff


def portal(request):
    user = getattr(request, "user", None)
    return {"nav_is_staff": bool(user and is_escalation_staff(user))}
