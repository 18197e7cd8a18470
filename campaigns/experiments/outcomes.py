"""What customers bought after a campaign, as transfer (``orders``) reports it: a registry it fills in its
``AppConfig.ready()``, since communication sits below transfer and may not read orders itself.

A source gives two SQL expressions correlated on the outer row's ``customer_id`` (a message, a holdout member):
how many sales the customer made and their total, placed between two moments (each a value or an expression on
the outer row, such as its ``sent_at``), optionally only those attributed to one campaign.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Value


@dataclass(frozen=True)
class SalesExpressions:
    orders: Any  # the number of sales (an integer expression, 0 for none)
    revenue: Any  # their total (a decimal expression, 0 for none)


class SalesSource(Protocol):
    def __call__(self, *, since: Any, until: Any, campaign_id: Any) -> SalesExpressions: ...


class Outcomes:
    def __init__(self) -> None:
        self.sales: SalesSource | None = None

    def register_sales(self, source: SalesSource) -> None:
        self.sales = source

    def sales_of(self, *, since: Any, until: Any, campaign_id: Any = None) -> SalesExpressions:
        """Each outer row's customer's sales in ``[since, until]``, only those attributed to ``campaign_id`` (an id
        or an expression) when given; zeros when no stage reports sales."""
        if self.sales is None:
            return SalesExpressions(orders=Value(0), revenue=Value(0))
        return self.sales(since=since, until=until, campaign_id=campaign_id)


outcomes = Outcomes()


def window() -> dt.timedelta:
    from django.conf import settings

    return dt.timedelta(days=settings.ATTRIBUTION_WINDOW_DAYS)
