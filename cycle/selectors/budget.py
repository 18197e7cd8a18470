"""The plan's money (the 3M's second M) per budget line: the amount set aside, what campaigns have committed and
what they have spent, and how close each line is to being overspent.

A campaign draws on the budget lines of its objective (their sum, when the objective has several); a campaign whose
objective has no line of its own draws on the plan's general lines (those without an objective). **Spent** is
everything the campaign has cost so far (``cycle.selectors.money.Money.cost``: recorded cost, messages,
commissions); **committed** is what a scheduled, sending or paused campaign's budget has not spent yet.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignStatus
from cycle.models import BudgetLine, MarketingPlan
from cycle.selectors.money import TWO, ZERO, Money

# Statuses in which a campaign's unspent budget is committed.
COMMITTING_STATUSES = frozenset({CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED})
# A line used (committed + spent) at this share of its amount or more is shown as near its limit; past 100 %,
# overspent.
NEAR_LIMIT_PERCENT = Decimal("90")
FULL_PERCENT = Decimal("100")

OK, NEAR, OVER = "ok", "near", "over"
LINE_STATE_LABELS = {OK: _("Within budget"), NEAR: _("Near its limit (at least 90%)"), OVER: _("Overspent")}


def line_state(amount: Decimal, used: Decimal) -> str:
    """``over`` past 100 % of the amount, ``near`` from 90 % (both inclusive of the boundary they name)."""
    if used > amount:
        return OVER
    if amount and used * 100 >= amount * NEAR_LIMIT_PERCENT:
        return NEAR
    return OK


def committed(campaign: Mapping[str, Any], spent: Decimal, *, committing: bool = False) -> Decimal:
    """What a campaign's budget holds back beyond what it has spent, while it is scheduled, sending or paused
    (or, ``committing``, as if it were: a campaign about to be scheduled)."""
    if not committing and campaign["status"] not in COMMITTING_STATUSES:
        return ZERO
    return max(Decimal(campaign["budget"] or 0) - spent, ZERO)


@dataclass
class LineMoney:
    """One budget line (or an objective's lines together) and the campaigns drawing on it."""

    objective_id: int | None
    objective: str
    description: str
    amount: Decimal
    currency: str
    committed: Decimal = ZERO
    spent: Decimal = ZERO
    campaign_ids: list[int] = field(default_factory=list)

    @property
    def used(self) -> Decimal:
        return self.committed + self.spent

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.used

    @property
    def used_percent(self) -> Decimal | None:
        return None if not self.amount else (self.used * 100 / self.amount).quantize(TWO, ROUND_HALF_UP)

    @property
    def state(self) -> str:
        return line_state(self.amount, self.used)

    @property
    def state_label(self) -> Promise:
        return LINE_STATE_LABELS[self.state]


def plan_lines(
    plan: MarketingPlan,
    *,
    campaigns: Iterable[Mapping[str, Any]],
    money: Mapping[int, Money],
    committing: int | None = None,
) -> list[LineMoney]:
    """The plan's budget lines with what ``campaigns`` (rows of the plan's campaigns: ``id``, ``status``,
    ``budget``, ``objective_id``) committed and spent (``money``: each one's figures). ``committing``: a campaign
    counted as committed whatever its status (the one being scheduled). One query (the lines)."""
    pools: dict[int | None, LineMoney] = {}
    for line in BudgetLine.objects.filter(plan=plan).select_related("objective").order_by("objective_id", "id"):
        pool = pools.get(line.objective_id)
        if pool is None:
            title = line.objective.title if line.objective else str(_("The whole plan"))
            pools[line.objective_id] = LineMoney(line.objective_id, title, line.description, line.amount, line.currency)
        else:
            pool.description = f"{pool.description}; {line.description}"
            pool.amount += line.amount
    for row in campaigns:
        pool = pools.get(row["objective_id"]) or pools.get(None)
        if pool is None:
            continue
        figures = money.get(row["id"]) or Money()
        pool.spent += figures.cost
        pool.committed += committed(row, figures.cost, committing=row["id"] == committing)
        pool.campaign_ids.append(row["id"])
    return sorted(pools.values(), key=lambda p: (p.objective_id is None, p.objective))
