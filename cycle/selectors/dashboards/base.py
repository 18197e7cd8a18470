"""What every dashboard is made of: the filters, the figures, tables and charts, and the arithmetic they share.

Every dashboard is a :class:`Dashboard` of figures, :class:`Table` rows (each downloadable as CSV) and charts
(data for Chart.js). Where its figures come from (the rollups, or the tables themselves) is a
:class:`~cycle.selectors.dashboards.sources.FigureSource`, chosen once per page.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.functional import Promise

from campaigns.models import Campaign, ContentTag
from customers.models import Segment
from cycle.models import MarketingPlan, RollupState

TWO = Decimal("0.01")
WEEKLY_AFTER_DAYS = 92
TABLE_ROWS_SHOWN = 50

Counts = dict[str, Any]


@dataclass
class Filters:
    start: dt.date
    end: dt.date
    campaign_id: int | None = None
    segment_id: int | None = None
    plan_id: int | None = None
    tag_id: int | None = None  # content tag (the Content board)

    @classmethod
    def default(cls, today: dt.date | None = None) -> "Filters":
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=29), end=today)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def weekly(self) -> bool:
        """Periods longer than a quarter are shown week by week."""
        return (self.end - self.start).days >= WEEKLY_AFTER_DAYS

    def bucket(self, day: dt.date) -> dt.date:
        """The first day of the row a day is shown in: the day itself, or its week (from Monday)."""
        return max(self.start, day - dt.timedelta(days=day.weekday())) if self.weekly else day

    def buckets(self) -> list[dt.date]:
        return list(dict.fromkeys(self.bucket(day) for day in self.days()))

    def per_bucket(self, per_day: Mapping[dt.date, Counts]) -> dict[dt.date, Counts]:
        """Sum per-day counts (dicts of numbers) into the period's rows."""
        summed: dict[dt.date, Counts] = {}
        for day, counts in per_day.items():
            row = summed.setdefault(self.bucket(day), {})
            for key, value in counts.items():
                row[key] = row.get(key, 0) + (value or 0)
        return summed


# The permission that guards the plan's budget lines in the administration: tables of that money need it too.
BUDGET_LINES_PERMISSION = "cycle.view_budgetline"
# Every permission a table may ask for; a rendered page is cached apart for each set of them a reader holds.
TABLE_PERMISSIONS = (BUDGET_LINES_PERMISSION,)


@dataclass
class Table:
    key: str
    title: str | Promise
    headers: list[Any]
    rows: list[list[Any]] = field(default_factory=list)
    # Who may read the table, on the page and as CSV: a reader without this permission sees neither.
    permission: str = ""

    @property
    def shown_rows(self) -> list[list[Any]]:
        """The rows the page shows; the CSV download has them all."""
        return self.rows[:TABLE_ROWS_SHOWN]

    @property
    def hidden(self) -> int:
        return max(len(self.rows) - TABLE_ROWS_SHOWN, 0)


@dataclass
class Dashboard:
    figures: list[tuple[Any, Any, Any]] = field(default_factory=list)  # (label, value, hint)
    # Figures only some readers may see, by label: a reader without the permission does not see the figure.
    figure_permissions: dict[str, str] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    def guard_figure(self, label: Any, permission: str) -> None:
        self.figure_permissions[str(label)] = permission

    def figure_permission(self, label: Any) -> str:
        return self.figure_permissions.get(str(label), "")


def percent(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / Decimal(whole)).quantize(TWO, ROUND_HALF_UP)


def average(total: int | Decimal | None, n: int | None) -> Decimal | None:
    return None if not n else (Decimal(total or 0) / Decimal(n)).quantize(TWO, ROUND_HALF_UP)


def nps_score(promoters: int | None, detractors: int | None, answers: int | None) -> Decimal | None:
    return percent((promoters or 0) - (detractors or 0), answers)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def chart(
    kind: str,
    labels: Iterable[Any],
    datasets: Iterable[tuple[Any, Iterable[Any]]],
    *,
    dates: bool = False,
    stacked: bool = False,
    percent_axis: bool = False,
) -> dict[str, Any]:
    return {
        "type": kind,
        "labels": [d.isoformat() if isinstance(d, dt.date) else str(d) for d in labels],
        "dates": dates,
        "stacked": stacked,
        "percent": percent_axis,
        "datasets": [{"label": str(label), "data": [_number(v) for v in data]} for label, data in datasets],
    }


def choice_label(choices: type[TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def rollups_freshness() -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the rollups were last refreshed (the oldest of their refresh times, what the figures are as of) and
    the newest refresh time, which changes with every refresh: one query."""
    times = list(RollupState.objects.values_list("refreshed_at", flat=True))
    if not times or None in times:
        return None, None
    return min(times), max(times)  # type: ignore[type-var]


def rollup_state(name: str) -> dict[str, Any]:
    figures: dict[str, Any] | None = RollupState.objects.filter(name=name).values_list("figures", flat=True).first()
    return figures or {}


def plan_choices() -> list[tuple[int, str]]:
    return list(MarketingPlan.objects.order_by("-starts_on", "-id").values_list("pk", "name"))


def filter_choices(
    *, campaigns: bool = True, segments: bool = True, tags: bool = False
) -> dict[str, list[tuple[int, str]]]:
    """The campaigns, segments and content tags the filters offer (a query each)."""
    choices: dict[str, list[tuple[int, str]]] = {}
    if campaigns:
        choices["campaigns"] = list(Campaign.objects.order_by("-created_at", "-id").values_list("pk", "name")[:500])
    if segments:
        choices["segments"] = list(Segment.objects.order_by("name").values_list("pk", "name")[:500])
    if tags:
        choices["tags"] = list(ContentTag.objects.order_by("name").values_list("pk", "name")[:500])
    return choices
