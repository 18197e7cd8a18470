"""The loop and the plan: objectives with KPIs, the 3M, six-monthly reviews and each run of the loop."""

from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emarketing.workflow import StatusChangeBase

REVIEW_INTERVAL = relativedelta(months=6)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    UNDER_REVIEW = "under_review", _("Under review")
    CLOSED = "closed", _("Closed")


class MarketingPlan(models.Model):
    TRANSITIONS = {
        PlanStatus.DRAFT: {PlanStatus.ACTIVE, PlanStatus.CLOSED},
        PlanStatus.ACTIVE: {PlanStatus.UNDER_REVIEW, PlanStatus.CLOSED},
        PlanStatus.UNDER_REVIEW: {PlanStatus.ACTIVE, PlanStatus.CLOSED},
        PlanStatus.CLOSED: set(),
    }

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL
    )
    situation_analysis = models.TextField(_("situation analysis"), blank=True)
    alignment = models.TextField(_("alignment with the corporate and marketing plans"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("marketing plan")
        verbose_name_plural = _("marketing plans")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="plan_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.next_review_on is None and self.starts_on:
            self.next_review_on = self.starts_on + REVIEW_INTERVAL
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:cycle_marketingplan_change", args=[self.pk])

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": _("A plan must end after it starts.")})


class PlanStatusChange(StatusChangeBase):
    subject = models.ForeignKey(MarketingPlan, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("plan status change")
        verbose_name_plural = _("plan status changes")


class Kpi(models.TextChoices):
    """The catalogue of KPIs the product computes from its own data."""

    NEW_CUSTOMERS = "new_customers", _("New customers")
    AIDA_CONVERSION = "aida_conversion", _("AIDA conversion, attention to action (%)")
    REPEAT_PURCHASE_RATE = "repeat_purchase_rate", _("Repeat-purchase rate (%)")
    ON_TIME_DELIVERY = "on_time_delivery", _("On-time delivery (%)")
    CSAT = "csat", _("Average satisfaction (CSAT)")
    NPS = "nps", _("Net promoter score")
    REVENUE = "revenue", _("Revenue")
    RETENTION = "retention", _("Customer retention (%)")
    NEW_MARKET_CUSTOMERS = "new_market_customers", _("Customers in new markets")
    NEW_PRODUCT_SALES = "new_product_sales", _("Sales of new products")


class Objective(models.Model):
    """A row of the objectives table: objective, motivation, strategy, KPI and its target."""

    plan = models.ForeignKey(MarketingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("objective"), max_length=255)
    motivation = models.TextField(_("motivation (from the situation analysis)"), blank=True)
    strategy = models.TextField(_("strategy"), blank=True)
    kpi = models.CharField(_("KPI"), max_length=32, choices=Kpi.choices)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    budget = models.DecimalField(
        _("budget"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["plan", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(budget__gte=0), name="objective_budget_not_negative")]

    def __str__(self):
        return self.title

    def clean(self):
        # A budget below what the objective's campaigns have already spent is refused when it is set or lowered.
        if self.pk is None or self.budget is None:
            return
        stored = type(self).objects.filter(pk=self.pk).values_list("budget", flat=True).first()
        if stored is not None and self.budget >= stored:
            return
        spent = self.spent()
        if self.budget < spent:
            raise ValidationError(
                {
                    "budget": _(
                        "The budget %(budget)s is below what this objective's campaigns have already spent (%(spent)s)."
                    )
                    % {"budget": self.budget, "spent": spent}
                }
            )

    def spent(self):
        """What the campaigns serving this objective have cost so far."""
        if self.pk is None:
            return Decimal("0")
        return self.campaigns.aggregate(total=models.Sum("cost"))["total"] or Decimal("0")


class PlanPerson(models.Model):
    """Men and women: who works on the plan, in which role."""

    plan = models.ForeignKey(MarketingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200)
    allocation_percent = models.PositiveSmallIntegerField(
        _("time on the plan (%)"), default=100, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people (men and women)")
        constraints = [
            models.CheckConstraint(
                condition=Q(allocation_percent__gte=1, allocation_percent__lte=100), name="person_allocation_1_100"
            )
        ]

    def __str__(self):
        return f"{self.name} — {self.role}"


class BudgetLine(models.Model):
    """Money: what the plan sets aside, per objective or for the plan as a whole."""

    plan = models.ForeignKey(
        MarketingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    description = models.CharField(_("what for"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("money (budget)")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_not_negative")]

    def __str__(self):
        return f"{self.description}: {self.amount} {self.currency}"

    def clean(self):
        # Lowering an objective's budget line so that its lines no longer cover what was spent is refused.
        if not self.objective_id or self.amount is None:
            return
        lines = BudgetLine.objects.filter(objective_id=self.objective_id)
        stored = None
        if self.pk is not None:
            stored = lines.filter(pk=self.pk).values_list("amount", flat=True).first()
            lines = lines.exclude(pk=self.pk)
        if stored is None or self.amount >= stored:
            return
        total = (lines.aggregate(total=models.Sum("amount"))["total"] or Decimal("0")) + self.amount
        assert self.objective is not None  # objective_id is set, checked above
        spent = self.objective.spent()
        if total < spent:
            raise ValidationError(
                {
                    "amount": _(
                        "With this amount the objective's budget lines come to %(total)s, below what its campaigns "
                        "have already spent (%(spent)s)."
                    )
                    % {"total": total, "spent": spent}
                }
            )


class Milestone(models.Model):
    """Minutes: deadlines for production, delivery and service."""

    plan = models.ForeignKey(MarketingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="milestones")
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
    )
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("deadline"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("minutes (milestones and deadlines)")
        ordering = ["due_on"]

    def __str__(self):
        return self.title

    @property
    def state(self):
        if self.done_on:
            return "done_late" if self.done_on > self.due_on else "done"
        return "missed" if timezone.localdate() > self.due_on else "ahead"


class PlanReview(models.Model):
    """The six-monthly re-presentation of the plan to senior management, and what was decided."""

    plan = models.ForeignKey(MarketingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField(_("due on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    decisions = models.TextField(_("what was decided"), blank=True)
    proposals = models.TextField(
        _("what the team proposes to change"),
        blank=True,
        help_text=_("Written by the managers before the review; the report ends with it."),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["-due_on"]
        constraints = [models.UniqueConstraint(fields=["plan", "due_on"], name="plan_review_once_per_date")]

    def __str__(self):
        return f"{self.plan} — {self.due_on}"

    @property
    def is_open(self):
        return self.closed_at is None


class LoopTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    FEEDBACK = "feedback", _("New feedback")
    MANUAL = "manual", _("Started by hand")


class LoopRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped: another run was under way")


class LoopRun(models.Model):
    """One run of the after-sales → preparation loop: what it read and what it changed."""

    trigger = models.CharField(_("trigger"), max_length=16, choices=LoopTrigger.choices)
    status = models.CharField(_("status"), max_length=16, choices=LoopRunStatus.choices, default=LoopRunStatus.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    surveys_read = models.PositiveIntegerField(_("survey responses read"), default=0)
    tickets_read = models.PositiveIntegerField(_("tickets read"), default=0)
    reviews_read = models.PositiveIntegerField(_("reviews read"), default=0)
    needs_created = models.PositiveIntegerField(_("needs found"), default=0)
    needs_strengthened = models.PositiveIntegerField(_("needs heard again"), default=0)
    customers_updated = models.PositiveIntegerField(_("customers updated"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("loop run")
        verbose_name_plural = _("loop runs")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"), name="loop_one_run_at_a_time"),
        ]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def items_read(self):
        return self.surveys_read + self.tickets_read + self.reviews_read


# ---------------------------------------------------------------------------------------------------------------
# Dashboard rollups: figures that would scan millions of rows, kept per day by ``cycle.services.rollups``.


class RollupState(models.Model):
    """Where each rollup stands: the last row it read (watermark), when it ran and small figures of the moment."""

    name = models.CharField(_("rollup"), max_length=32, unique=True)
    last_id = models.BigIntegerField(_("last row read"), default=0)
    last_seen_at = models.DateTimeField(_("changes read up to"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)

    class Meta:
        verbose_name = _("dashboard rollup")
        verbose_name_plural = _("dashboard rollups")
        ordering = ["name"]
        permissions = [("view_dashboards", _("Can read the cycle dashboards"))]

    def __str__(self):
        return self.name


class TouchDaily(models.Model):
    """Per day, campaign and AIDA step: people's touches, customers who reached the step for the first time, and
    customers whose message only a mail proxy opened. Bots are never counted."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    step = models.CharField(_("AIDA step"), max_length=16)
    touches = models.PositiveIntegerField(_("touches"), default=0)
    reached = models.PositiveIntegerField(_("customers reaching the step"), default=0)
    # Attention only: customers whose message a mail proxy first fetched that day, while no person is known to have
    # looked (``campaigns.models.proxy_open``); taken off again when a person's attention comes.
    proxied = models.PositiveIntegerField(_("customers whose message only a mail proxy opened"), default=0)

    class Meta:
        verbose_name = _("touches per day")
        verbose_name_plural = _("touches per day")
        constraints = [
            models.UniqueConstraint(fields=["day", "campaign", "step"], name="touch_daily_once"),
            models.UniqueConstraint(
                fields=["day", "step"], condition=Q(campaign__isnull=True), name="touch_daily_once_no_campaign"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "day"])]

    def __str__(self):
        return f"{self.day} {self.campaign_id} {self.step}"


class OrderDaily(models.Model):
    """Per day of placing, sales channel and agent: orders, those that count as sales, and revenue."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    channel = models.CharField(_("sales channel"), max_length=8)
    agent = models.ForeignKey(
        "orders.Agent", verbose_name=_("agent"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    orders = models.PositiveIntegerField(_("orders"), default=0)
    sold = models.PositiveIntegerField(_("sold (not cancelled or returned)"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("orders per day")
        verbose_name_plural = _("orders per day")
        constraints = [
            models.UniqueConstraint(fields=["day", "channel", "agent"], name="order_daily_once"),
            models.UniqueConstraint(
                fields=["day", "channel"], condition=Q(agent__isnull=True), name="order_daily_once_no_agent"
            ),
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.day} {self.channel} {self.agent_id}"


class ServiceDaily(models.Model):
    """Per day: payments, deliveries, tickets, surveys and tier or stage changes — one row a day."""

    day = models.DateField(_("day"), unique=True)
    payments = models.PositiveIntegerField(_("payments started"), default=0)
    payments_succeeded = models.PositiveIntegerField(_("payments succeeded"), default=0)
    payments_failed = models.PositiveIntegerField(_("payments failed"), default=0)
    delivered = models.PositiveIntegerField(_("shipments delivered"), default=0)
    delivered_on_time = models.PositiveIntegerField(_("delivered on time"), default=0)
    tickets_opened = models.PositiveIntegerField(_("tickets opened"), default=0)
    tickets_answered_in_time = models.PositiveIntegerField(_("tickets answered within the target"), default=0)
    surveys = models.PositiveIntegerField(_("survey answers"), default=0)
    csat_total = models.PositiveIntegerField(_("sum of CSAT"), default=0)
    nps_answers = models.PositiveIntegerField(_("NPS answers"), default=0)
    promoters = models.PositiveIntegerField(_("promoters"), default=0)
    detractors = models.PositiveIntegerField(_("detractors"), default=0)

    class Meta:
        verbose_name = _("service figures per day")
        verbose_name_plural = _("service figures per day")
        ordering = ["day"]

    def __str__(self):
        return str(self.day)


class ProfileChangeDaily(models.Model):
    """Per day: customers moved between lifecycle stages or value tiers (from the customers' history)."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    attribute = models.CharField(_("what changed"), max_length=16)
    old_value = models.CharField(_("from"), max_length=16)
    new_value = models.CharField(_("to"), max_length=16)
    changes = models.PositiveIntegerField(_("changes"), default=0)

    class Meta:
        verbose_name = _("profile changes per day")
        verbose_name_plural = _("profile changes per day")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "attribute", "old_value", "new_value"], name="profile_change_daily_once"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.attribute} {self.old_value}→{self.new_value}"


class WebsiteDaily(models.Model):
    """Per day and traffic source: the website's visitors and what they did, and the customers among them who
    placed an order that counts as a sale within the attribution window (conversion by source)."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=100)
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    page_views = models.PositiveIntegerField(_("page views"), default=0)
    product_views = models.PositiveIntegerField(_("product views"), default=0)
    searches = models.PositiveIntegerField(_("searches"), default=0)
    carts = models.PositiveIntegerField(_("added to cart"), default=0)
    checkouts = models.PositiveIntegerField(_("checkouts started"), default=0)
    customers = models.PositiveIntegerField(_("known customers"), default=0)
    buyers = models.PositiveIntegerField(_("customers who bought"), default=0)

    class Meta:
        verbose_name = _("website per day")
        verbose_name_plural = _("website per day")
        constraints = [models.UniqueConstraint(fields=["day", "source"], name="website_daily_once")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.day} {self.source}"


# The package's own modules, after the models they point to.
from cycle.models.jobs import ScheduledJob  # noqa: E402, F401
from cycle.models.reports import REPORT_LANGUAGES, ReviewReport  # noqa: E402, F401
