"""The cycle: the four stages now, the flow between them, what the loop brought back and the departments' handovers
(handed over, done, overdue)."""

from collections import defaultdict

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from customers.models import LifecycleStage, ProfileAttribute, ValueTier
from customers.selectors import needs_board
from cycle.models import LoopRun
from cycle.selectors.dashboards.base import Dashboard, Filters, Table, chart, choice_label
from cycle.selectors.dashboards.sources import figure_source
from cycle.selectors.departments import handover_counts, overdue_handovers


def cycle_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """Customers in each lifecycle stage now, the moves between stages in the period, what the loop brought back."""
    source = figure_source(live=live)
    board = Dashboard()
    now = source.customers_now(filters)
    changes = source.profile_changes(filters)
    lower, upper = filters.bounds
    loop = LoopRun.objects.filter(started_at__gte=lower, started_at__lt=upper).aggregate(
        runs=Count("id"),
        read=Coalesce(Sum(F("surveys_read") + F("tickets_read") + F("reviews_read")), 0),
        needs_created=Coalesce(Sum("needs_created"), 0),
        needs_strengthened=Coalesce(Sum("needs_strengthened"), 0),
        customers_updated=Coalesce(Sum("customers_updated"), 0),
    )
    needs = list(
        needs_board()
        .filter(
            Q(first_heard_at__gte=lower, first_heard_at__lt=upper)
            | Q(last_heard_at__gte=lower, last_heard_at__lt=upper)
        )
        .order_by("-mention_count", "id")[:10]
    )

    handed = handover_counts(lower, upper)
    overdue = overdue_handovers()
    stages = [(s, now["by_stage"].get(s.value, 0)) for s in LifecycleStage]
    retiered = sum(n for attr, _old, _new, n in changes if attr == ProfileAttribute.VALUE_TIER)
    stage_moves = [(o, n_, n) for attr, o, n_, n in changes if attr == ProfileAttribute.LIFECYCLE_STAGE]
    board.figures = [
        (_("Customers"), sum(v for _s, v in stages), ""),
        (_("At risk now"), now["at_risk"], _("Detractors and unhappy customers to win back.")),
        (_("Moves between stages in the period"), sum(n for *_x, n in stage_moves), ""),
        (_("Customers re-tiered in the period"), retiered, ""),
        (_("Needs found by the loop"), loop["needs_created"], ""),
        (_("Needs heard again"), loop["needs_strengthened"], ""),
        (_("Customers updated by the loop"), loop["customers_updated"], ""),
        (_("Handed to departments in the period"), handed["handed"], _("Needs and tickets.")),
        (_("Done by departments in the period"), handed["done"], ""),
        (_("Handovers overdue now"), handed["overdue"], _("Past their due day and not done.")),
    ]
    board.tables.append(
        Table(
            "stages",
            _("Customers in each lifecycle stage now"),
            [_("Stage"), _("Customers")],
            [[s.label, n] for s, n in stages],
        )
    )
    board.tables.append(
        Table(
            "tiers",
            _("Customers in each value tier now"),
            [_("Tier"), _("Customers")],
            [[t.label, now["by_tier"].get(t.value, 0)] for t in ValueTier],
        )
    )
    board.tables.append(
        Table(
            "flow",
            _("Flow between lifecycle stages in the period"),
            [_("From"), _("To"), _("Customers moved")],
            [
                [choice_label(LifecycleStage, o), choice_label(LifecycleStage, n_), n]
                for o, n_, n in sorted(stage_moves)
            ],
        )
    )
    tier_moves = [(o, n_, n) for attr, o, n_, n in changes if attr == ProfileAttribute.VALUE_TIER]
    board.tables.append(
        Table(
            "retiered",
            _("Customers re-tiered in the period"),
            [_("From"), _("To"), _("Customers")],
            [[choice_label(ValueTier, o), choice_label(ValueTier, n_), n] for o, n_, n in sorted(tier_moves)],
        )
    )
    board.tables.append(
        Table(
            "loop",
            _("What the loop brought back in the period"),
            [_("Runs"), _("Feedback items read"), _("Needs found"), _("Needs heard again"), _("Customers updated")],
            [
                [
                    loop["runs"],
                    loop["read"],
                    loop["needs_created"],
                    loop["needs_strengthened"],
                    loop["customers_updated"],
                ]
            ],
        )
    )
    board.tables.append(
        Table(
            "needs",
            _("Needs heard in the period"),
            [_("Need"), _("Kind"), _("Category"), _("Times heard"), _("Status")],
            [
                [n.title, n.get_kind_display(), n.get_category_display(), n.mention_count, n.get_status_display()]
                for n in needs
            ],
        )
    )
    board.tables.append(
        Table(
            "overdue_handovers",
            _("Handovers to departments overdue now"),
            [_("What"), _("Department"), _("Due"), _("What is asked")],
            [[item.title, item.department, item.due_on, item.note] for item in overdue],
        )
    )
    board.charts["stages"] = chart("bar", [s.label for s, _n in stages], [(_("Customers"), [n for _s, n in stages])])
    moves_in: dict[str, int] = defaultdict(int)
    for _o, new, n in stage_moves:
        moves_in[new] += n
    board.charts["flow"] = chart(
        "bar",
        [s.label for s in LifecycleStage],
        [(_("Customers who moved into the stage"), [moves_in.get(s.value, 0) for s in LifecycleStage])],
    )
    return board
