from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CycleConfig(AppConfig):
    name = "cycle"
    verbose_name = _("The loop and the plan")

    def ready(self):
        from aftersales.signals import feedback_received

        feedback_received.connect(_start_loop, dispatch_uid="cycle.start_loop_on_feedback")

        from django.db.models.signals import post_delete, post_save

        from cycle.models import BudgetLine, LoopRun, MarketingPlan, Milestone, Objective, PlanPerson, PlanReview
        from cycle.services.dashboard_cache import dashboard_cache_clear

        # What the dashboards show of the plan and of the loop's runs is read as it is: show a change at once.
        for model in (MarketingPlan, Objective, PlanPerson, BudgetLine, Milestone, PlanReview, LoopRun):
            for signal in (post_save, post_delete):
                signal.connect(dashboard_cache_clear, sender=model, dispatch_uid=f"cycle.dashboards.{model.__name__}")

        # The audit log: who changed the plan, its objectives and its money.
        from emarketing.audit import audit_register

        for model in (MarketingPlan, Objective, BudgetLine):
            audit_register(model)
        # The right to be forgotten: the loop's runs may quote a customer in an error.
        from customers.erasure import erasers
        from cycle.services.erasure import LABELS, erase_cycle

        erasers.register("cycle", erase_cycle, labels=LABELS)
        # Money on the campaign's and journey's pages, and the budget lines' warning before a campaign is scheduled.
        from cycle import finance_panels

        finance_panels.register()

        # Mediation: before a campaign is scheduled or starts, weigh its expected orders against capacity; the
        # demand and capacity board shows a change of capacity at once.
        from aftersales.models import ServiceTeam
        from campaigns.prestart import prestart_checks
        from cycle.selectors.mediation import mediation_warnings
        from orders.models import DeliveryRegion, ProductCapacity

        prestart_checks.register("mediation", mediation_warnings)
        for capacity in (ProductCapacity, DeliveryRegion, ServiceTeam):
            for signal in (post_save, post_delete):
                uid = f"cycle.dashboards.{capacity.__name__}"
                signal.connect(dashboard_cache_clear, sender=capacity, dispatch_uid=uid)
        # The jobs page: the owners of a job that failed for good are told; every job has a row of owners.
        from django.db.models.signals import post_migrate

        from emarketing.taskruns.recorder import failure_listeners

        failure_listeners.register("cycle.jobs", _notify_job_owners)
        post_migrate.connect(_sync_jobs, sender=self, dispatch_uid="cycle.jobs_sync")


def _notify_job_owners(run):
    from cycle.services.jobs import job_failure_notify

    job_failure_notify(run=run)


def _sync_jobs(sender, using="default", **kwargs):
    from cycle.services.jobs import jobs_sync

    jobs_sync()


def _start_loop(sender, **kwargs):
    """New feedback was committed: run the loop now instead of waiting for its next tick."""
    from cycle.models import LoopTrigger
    from cycle.tasks import run_feedback_loop

    run_feedback_loop.delay(trigger=LoopTrigger.FEEDBACK)
