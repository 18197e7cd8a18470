"""Every write of the marketing plan: its status, its objectives and money, and the six-monthly review."""

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cycle.models import REVIEW_INTERVAL, BudgetLine, MarketingPlan, Objective, PlanReview, PlanStatus
from emarketing.workflow import change_status

logger = logging.getLogger(__name__)


@transaction.atomic
def plan_set_status(
    *, plan: MarketingPlan, status: str, by: User | AnonymousUser | None = None, note: str = ""
) -> bool:
    """Move a plan through its status table (draft → active ⇄ under review → closed); True if it moved."""
    return change_status(plan, status, by=by, note=note)


def plan_activate(*, plan: MarketingPlan, by: User | AnonymousUser | None = None) -> bool:
    return plan_set_status(plan=plan, status=PlanStatus.ACTIVE, by=by)


def plan_put_under_review(*, plan: MarketingPlan, by: User | AnonymousUser | None = None) -> bool:
    return plan_set_status(plan=plan, status=PlanStatus.UNDER_REVIEW, by=by)


def plan_close(*, plan: MarketingPlan, by: User | AnonymousUser | None = None) -> bool:
    return plan_set_status(plan=plan, status=PlanStatus.CLOSED, by=by)


@transaction.atomic
def objective_set_budget(*, objective: Objective, budget: Decimal) -> Objective:
    """Give an objective its money; a budget below what its campaigns already spent is refused."""
    objective.budget = budget
    objective.full_clean()
    objective.save(update_fields=["budget"])
    return objective


@transaction.atomic
def budget_line_set_amount(*, line: BudgetLine, amount: Decimal) -> BudgetLine:
    line.amount = amount
    line.full_clean()
    line.save(update_fields=["amount"])
    return line


def _notify_owner(review: PlanReview) -> None:
    owner = review.plan.owner
    if owner is None or not owner.email:
        return
    subject = _("Six-monthly review of “%(plan)s” is due") % {"plan": review.plan.name}
    body = _(
        "The marketing plan “%(plan)s” is due for its six-monthly review on %(date)s.\n"
        "Re-present it to senior management, record what was decided and close the review:\n%(url)s"
    ) % {
        "plan": review.plan.name,
        "date": review.due_on.isoformat(),
        "url": settings.SITE_URL.rstrip("/") + reverse("admin:cycle_planreview_change", args=[review.pk]),
    }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email], fail_silently=False)


@transaction.atomic
def plan_review_open(*, plan: MarketingPlan, today: dt.date | None = None) -> PlanReview | None:
    """Open the review that is due for ``plan``; None when none is due or it was already opened.

    Idempotent: the plan row is locked, the review is unique per (plan, due date), and ``next_review_on``
    advances six months in the same transaction, so a job delivered twice opens one review.
    """
    today = today or timezone.localdate()
    locked = MarketingPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.next_review_on is None or locked.next_review_on > today:
        return None
    if locked.status not in (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW):
        return None
    due_on = locked.next_review_on
    try:
        with transaction.atomic():
            review = PlanReview.objects.create(plan=locked, due_on=due_on)
    except IntegrityError:
        review = None
    next_on = due_on + REVIEW_INTERVAL
    while next_on <= today:  # a plan that missed several reviews does not get one per missed half-year
        next_on += REVIEW_INTERVAL
    MarketingPlan.objects.filter(pk=locked.pk).update(next_review_on=next_on)
    plan.next_review_on = next_on
    if review is None:
        return None
    if locked.status == PlanStatus.ACTIVE:
        change_status(locked, PlanStatus.UNDER_REVIEW, note=_("Six-monthly review due on %(date)s") % {"date": due_on})
    plan.status = locked.status
    transaction.on_commit(lambda: _notify_owner(review))
    return review


def plan_reviews_open_due(*, today: dt.date | None = None) -> int:
    """Open every review that has come due; returns how many were opened. One transaction per plan."""
    today = today or timezone.localdate()
    opened = 0
    due = MarketingPlan.objects.filter(
        next_review_on__lte=today, status__in=[PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW]
    ).order_by("pk")
    for plan in due.iterator(chunk_size=200):
        if plan_review_open(plan=plan, today=today) is not None:
            opened += 1
    return opened


@transaction.atomic
def plan_review_record(
    *, review: PlanReview, decisions: str, held_on: dt.date | None = None, proposals: str | None = None
) -> PlanReview:
    """Record what was decided (and, when given, what the team proposes to change, which ends the report)."""
    review.decisions = decisions
    review.held_on = held_on or review.held_on or timezone.localdate()
    fields = ["decisions", "held_on"]
    if proposals is not None:
        review.proposals = proposals
        fields.append("proposals")
    review.full_clean()
    review.save(update_fields=fields)
    return review


@transaction.atomic
def plan_review_close(*, review: PlanReview, by: User | AnonymousUser | None = None) -> bool:
    """Close a review: the decisions are kept and the plan goes back to active. True if it was open."""
    locked = PlanReview.objects.select_for_update().select_related("plan").get(pk=review.pk)
    if locked.closed_at is not None:
        return False
    if not locked.decisions.strip():
        raise ValidationError({"decisions": _("Record what was decided before closing the review.")})
    if by is not None and not getattr(by, "is_authenticated", False):
        by = None
    now = timezone.now()
    updates: dict[str, object] = {"closed_at": now, "closed_by": by}
    if locked.held_on is None:
        updates["held_on"] = timezone.localdate()
    PlanReview.objects.filter(pk=locked.pk).update(**updates)
    for name, value in updates.items():
        setattr(review, name, value)
    if (
        locked.plan.status == PlanStatus.UNDER_REVIEW
        and not locked.plan.reviews.filter(closed_at__isnull=True).exclude(pk=locked.pk).exists()
    ):
        change_status(
            locked.plan, PlanStatus.ACTIVE, by=by, note=_("Review of %(date)s closed") % {"date": locked.due_on}
        )
    return True
