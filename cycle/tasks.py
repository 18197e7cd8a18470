"""Thin Celery tasks of the loop and the plan: take ids, call one service."""

from celery import shared_task

from cycle.models import LoopTrigger
from cycle.services.loop import loop_run


@shared_task(
    bind=True,
    name="cycle.tasks.run_feedback_loop",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    soft_time_limit=540,
    time_limit=600,
)
def run_feedback_loop(self, trigger: str = LoopTrigger.SCHEDULE) -> int | None:
    """Feed after-sales back into preparation; returns the id of the recorded run.

    When another run is under way, feedback that triggered this one may have arrived after that run read its
    batch: try again shortly rather than wait for the next scheduled tick.
    """
    run = loop_run(trigger=trigger)
    if run is None:
        if trigger == LoopTrigger.FEEDBACK:
            raise self.retry(countdown=20, max_retries=10)
        return None
    return run.pk


@shared_task(
    name="cycle.tasks.open_due_plan_reviews",
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def open_due_plan_reviews() -> int:
    """Open the six-monthly review of every plan whose review date has come; returns how many were opened."""
    from cycle.services.plans import plan_reviews_open_due

    return plan_reviews_open_due()


@shared_task(
    name="cycle.tasks.refresh_dashboard_rollups",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=3,
    soft_time_limit=540,
    time_limit=600,
)
def refresh_dashboard_rollups() -> dict:
    """Bring the dashboards' daily figures up to date from their watermarks; returns what each rollup read."""
    from cycle.services.rollups import rollups_refresh

    return rollups_refresh()


@shared_task(
    name="cycle.tasks.refresh_recommendations",
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=3,
    soft_time_limit=1700,
    time_limit=1800,
)
def refresh_recommendations() -> int:
    """Recompute "customers who bought this also bought" for the extension stage; returns rows written."""
    from cycle.services.recommendations import recommendations_refresh

    return recommendations_refresh()


@shared_task(
    name="cycle.tasks.prepare_review_report",
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def prepare_review_report(review_id: int, language: str, user_id: int | None = None) -> int | None:
    """Prepare a plan review's report as a PDF in ``language`` and keep it with the review; returns its id.

    Started from the review's page in the administration. A review deleted meanwhile is skipped. Run twice it makes
    two PDFs, both kept (a report is what was shown on its day).
    """
    from django.contrib.auth import get_user_model

    from cycle.models import PlanReview
    from cycle.services.review_reports import review_report_generate

    review = PlanReview.objects.select_related("plan").filter(pk=review_id).first()
    if review is None:
        return None
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return review_report_generate(review=review, language=language, by=by).pk
