"""The arithmetic of money every finance figure shares: one campaign's (or journey's, or channel's) cost, revenue
and return on spend, written once."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

TWO = Decimal("0.01")
ZERO = Decimal("0")


def email_price_per_thousand() -> Decimal:
    """``EMAIL_PRICE_PER_THOUSAND`` as a number (0 when unset or unreadable)."""
    try:
        price = Decimal(str(settings.EMAIL_PRICE_PER_THOUSAND or "0"))
    except (InvalidOperation, ValueError):
        return ZERO
    return price if price > 0 else ZERO


def return_on_spend(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """(revenue − cost) / cost in percent, to the hundredth; None (not measurable) when nothing was spent."""
    if not cost:
        return None
    return ((revenue - cost) * 100 / cost).quantize(TWO, ROUND_HALF_UP)


@dataclass
class Money:
    recorded: Decimal = ZERO  # the cost recorded on the campaign
    emails: int = 0
    email_cost: Decimal = ZERO
    sms_parts: int = 0
    sms_cost: Decimal = ZERO
    commissions: Decimal = ZERO
    orders: int = 0
    revenue: Decimal = ZERO  # attributed sales
    lift: Decimal | None = None  # revenue beyond the holdout group's (None: no holdout)
    budget: Decimal = ZERO

    @property
    def cost(self) -> Decimal:
        return (self.recorded + self.email_cost + self.sms_cost + self.commissions).quantize(TWO, ROUND_HALF_UP)

    @property
    def return_on_spend(self) -> Decimal | None:
        return return_on_spend(self.revenue, self.cost)

    @property
    def return_on_spend_by_lift(self) -> Decimal | None:
        return None if self.lift is None else return_on_spend(self.lift, self.cost)

    def add_emails(self, n: int, price_per_thousand: Decimal) -> None:
        self.emails += n
        self.email_cost += Decimal(n) * price_per_thousand / 1000

    def add_sales(self, n: int, revenue: Decimal, commissions: Decimal) -> None:
        self.orders += n
        self.revenue += Decimal(revenue or 0)
        self.commissions += Decimal(commissions or 0)

    def merge(self, other: "Money") -> None:
        self.recorded += other.recorded
        self.emails += other.emails
        self.email_cost += other.email_cost
        self.sms_parts += other.sms_parts
        self.sms_cost += other.sms_cost
        self.commissions += other.commissions
        self.orders += other.orders
        self.revenue += other.revenue
        self.budget += other.budget
        if other.lift is not None:
            self.lift = (self.lift or ZERO) + other.lift
