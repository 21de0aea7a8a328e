from celery import shared_task

from escalations.deadlines import sweep_review_deadlines


@shared_task(acks_late=True)
def sweep_review_deadlines_task():
    result = sweep_review_deadlines()
    return {"due_soon": result.due_soon, "overdue": result.overdue}
