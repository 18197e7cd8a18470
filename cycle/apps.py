from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CycleConfig(AppConfig):
    name = "cycle"
    verbose_name = _("The loop and the plan")

    def ready(self):
        from aftersales.signals import feedback_received

        feedback_received.connect(_start_loop, dispatch_uid="cycle.start_loop_on_feedback")


def _start_loop(sender, **kwargs):
    """New feedback was committed: run the loop now instead of waiting for its next tick."""
    from cycle.models import LoopTrigger
    from cycle.tasks import run_feedback_loop

    run_feedback_loop.delay(trigger=LoopTrigger.FEEDBACK)
