from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaskRunsConfig(AppConfig):
    name = "emarketing.taskruns"
    label = "taskruns"
    verbose_name = _("Job runs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from emarketing.taskruns.recorder import connect_recorder

        connect_recorder()
