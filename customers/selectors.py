"""Reads of the preparation stage that are more than a ``.get()``."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from customers.models import (
    CaptureForm,
    Customer,
    CustomerValue,
    ImportPreset,
    LifecycleStage,
    Need,
    ProductRecommendation,
    RatedBy,
    Segment,
    SuppressedAddress,
    TierPolicy,
    ValueTier,
    address_hash,
)
from customers.valuation.tiers import Rules, churning, recent_top_cut, tier_case, tier_of, top_cut
from emarketing.dates import is_persian, persian_date
from emarketing.digits import localize_digits
from emarketing.tables import Preset


def recommended_products(*, customer: Customer | int, limit: int = 3) -> list[Any]:
    """The products recommended to ``customer``, best first, as product rows (``name``, ``price``, …).

    The products are read through the recommendation's own foreign key (one joined query), so callers in any
    stage (e-mail templates in campaigns) get them without importing the transfer stage. Products no longer on
    sale are left out.
    """
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    best = (
        ProductRecommendation.objects.filter(customer_id=customer_id, product__is_active=True)
        .select_related("product")
        .order_by("-score", "id")[:limit]
    )
    return [recommendation.product for recommendation in best]


def suppressed_among(addresses: Iterable[str]) -> set[str]:
    """The given addresses (as given) that are on the suppression list, matched by hash: one query.

    Called by the sending pipeline once per batch, so that no message goes to a listed address whoever it
    belongs to (a customer, a ticket's contact, an address typed in after an erasure).
    """
    keyed: dict[str, list[str]] = {}
    for address in addresses:
        if address:
            keyed.setdefault(address_hash(address), []).append(address)
    if not keyed:
        return set()
    found = SuppressedAddress.objects.filter(address_hash__in=list(keyed)).values_list("address_hash", flat=True)
    return {address for key in found for address in keyed[key]}


def customers_for_api() -> "QuerySet[Customer]":
    """Customers with their consent and occasions, in a fixed few queries."""
    return Customer.objects.prefetch_related("consents", "occasions")


def segment_members(*, segment: Segment) -> "QuerySet[Customer]":
    """The customers of a segment, in id order (page them by ``pk__gt``)."""
    return Customer.objects.filter(memberships__segment=segment).order_by("pk")


def needs_board(*, status: str | None = None, since: dt.datetime | None = None) -> "QuerySet[Need]":
    """Needs with how often they were heard recently, for the board and the plan."""
    qs = Need.objects.select_related("product", "segment")
    if status:
        qs = qs.filter(status=status)
    if since:
        qs = qs.annotate(recent=Count("mentions", filter=Q(mentions__heard_at__gte=since)))
    return qs


def import_presets_saved(*, kind: str) -> list[Preset]:
    """The mappings marketers saved for an import, as presets (detected when a file has all their headers)."""
    return [
        Preset(
            key=f"saved-{p.pk}",
            name=p.name,
            signature=tuple(p.columns),
            columns={key: target for key, target in p.columns.items() if target},
            formats=p.date_formats or {},
        )
        for p in ImportPreset.objects.filter(kind=kind).order_by("name")
    ]


def customer_value_explained(*, customer: Customer) -> list[str]:
    """Why ``customer`` holds their value tier and lifecycle stage, in the current language (for the profile)."""
    value = CustomerValue.objects.filter(customer=customer).first()
    if value is None:
        return [_("No sale yet: not rated. The value tier follows from the first purchase.")]
    policy = TierPolicy.current()
    rules = Rules(policy=policy, top_cut=recent_top_cut(policy))
    tier, why = tier_of(value, rules)
    lines = [
        _(
            "R %(r)d, F %(f)d, M %(m)d (1–5, against the company's other buyers): last purchase %(last)s, "
            "%(orders)s purchases, %(spend)s spent."
        )
        % {
            "r": value.recency_score,
            "f": value.frequency_score,
            "m": value.monetary_score,
            "last": (
                persian_date(timezone.localdate(value.last_order_at))
                if is_persian()
                else date_format(timezone.localdate(value.last_order_at), "SHORT_DATE_FORMAT")
            ),
            "orders": number_format(value.purchases),
            "spend": number_format(value.spend, 2),
        }
    ]
    if value.rated_by == RatedBy.MODEL:
        lines.append(
            _(
                "The model gives a probability of %(alive)s that this customer is still buying, %(expected)s "
                "purchases and a value of %(value)s over the next %(days)s days."
            )
            % {
                "alive": number_format(value.probability_alive or 0, 2),
                "expected": number_format(value.expected_purchases or 0, 1),
                "value": number_format(value.predicted_value, 2),
                "days": number_format(policy.horizon_days),
            }
        )
    lines.append(_("Rated by: %(by)s.") % {"by": value.get_rated_by_display()})
    lines.append(_("%(tier)s because %(why)s.") % {"tier": tier.label, "why": why})
    if churning(value, policy):
        lines.append(
            _("%(stage)s: the company is probably losing this customer.") % {"stage": LifecycleStage.WIN_BACK.label}
        )
    # Scores, counts and amounts in the reader's digits (Persian, Arabic-Indic); the lines hold no identifier.
    return [str(localize_digits(line, get_language())) for line in lines]


def tier_rules_preview(*, policy: Any) -> dict[str, Any]:
    """How many customers each value tier would hold under ``policy`` (saved or not) and how many would move,
    counted in the database: ``{"moves": [(from, to, n), …], "tiers": [(tier, now, then), …], "cut": …}``."""
    rules = Rules(policy=policy, top_cut=top_cut(policy))
    rows = (
        CustomerValue.objects.annotate(new_tier=tier_case(rules))
        .values("customer__value_tier", "new_tier")
        .annotate(n=Count("pk"))
        .order_by()
    )
    moves: list[tuple[str, str, int]] = []
    now, then = dict.fromkeys(ValueTier.values, 0), dict.fromkeys(ValueTier.values, 0)
    for row in rows:
        old, new, n = row["customer__value_tier"], row["new_tier"], row["n"]
        now[old] = now.get(old, 0) + n
        then[new] = then.get(new, 0) + n
        if old != new:
            moves.append((str(ValueTier(old).label), str(ValueTier(new).label), n))
    unscored = Customer.objects.filter(value__isnull=True).exclude(value_tier=ValueTier.UNRATED).count()
    if unscored:
        moves.append((_("rated before, no sale now"), str(ValueTier.UNRATED.label), unscored))
    tiers = [
        (tier.label, now.get(tier.value, 0), then.get(tier.value, 0)) for tier in ValueTier if tier != ValueTier.UNRATED
    ]
    return {"moves": sorted(moves, key=lambda m: -m[2]), "tiers": tiers, "cut": rules.top_cut}


def form_conversion(*, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Each capture form's views, submissions and confirmations over the days ``start``..``end`` (the daily
    counters), the forms with none included, most viewed first: one query, whatever the traffic."""
    in_period = Q(daily__day__gte=start, daily__day__lte=end)
    rows = CaptureForm.objects.annotate(
        n_views=Sum("daily__views", filter=in_period, default=0),
        n_submissions=Sum("daily__submissions", filter=in_period, default=0),
        n_confirmations=Sum("daily__confirmations", filter=in_period, default=0),
    ).order_by("-n_views", "name")
    return [
        {"pk": r[0], "name": r[1], "slug": r[2], "views": r[3], "submissions": r[4], "confirmations": r[5]}
        for r in rows.values_list("pk", "name", "slug", "n_views", "n_submissions", "n_confirmations")
    ]
