from celery import shared_task

from emarketing.taskruns.services import task_runs_delete_old


@shared_task(
    name="emarketing.taskruns.tasks.delete_old_task_runs",
    autoretry_for=(Exception,),
    retry_backoff=60,
    max_retries=3,
    soft_time_limit=540,
    time_limit=600,
)
def delete_old_task_runs() -> int:
    """Delete the job runs older than TASK_RUNS_KEEP_DAYS; returns how many."""
    return task_runs_delete_old()
