"""Reads of the after-sales stage: service-level targets and their breaches, and customers' satisfaction."""

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone, translation

from aftersales.models import (
    SURVEY_QUESTIONS,
    InboundMail,
    SurveyResponse,
    SurveyWording,
    Ticket,
    TicketStatus,
)
from aftersales.satisfaction import is_at_risk, is_referral_candidate
from customers.models import Customer
from customers.services.satisfaction import SatisfactionScores
from emarketing.localized import written_in
from orders.models import Order, Product


def _target(hours_by_priority: dict[str, int]) -> Case:
    return Case(
        *[When(priority=p, then=Value(dt.timedelta(hours=h))) for p, h in hours_by_priority.items()],
        default=Value(dt.timedelta(hours=max(hours_by_priority.values()))),
        output_field=DurationField(),
    )


def _breach_conditions(now: dt.datetime) -> tuple[Q, Q]:
    first = Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(
        first_response_at__gt=F("first_response_due")
    )
    resolution = Q(resolved_at__isnull=True, resolution_due__lt=now) & ~Q(status=TicketStatus.CLOSED) | Q(
        resolved_at__gt=F("resolution_due")
    )
    return first, resolution


def tickets_with_targets(
    queryset: "QuerySet[Ticket] | None" = None, *, now: dt.datetime | None = None
) -> "QuerySet[Ticket]":
    """Annotate each ticket's first-response and resolution deadlines (settings per priority) and breaches."""
    now = now or timezone.now()
    queryset = Ticket.objects.all() if queryset is None else queryset
    queryset = queryset.annotate(
        first_response_due=ExpressionWrapper(
            F("created_at") + _target(settings.TICKET_FIRST_RESPONSE_HOURS), output_field=DateTimeField()
        ),
        resolution_due=ExpressionWrapper(
            F("created_at") + _target(settings.TICKET_RESOLUTION_HOURS), output_field=DateTimeField()
        ),
    )
    first, resolution = _breach_conditions(now)
    return queryset.annotate(
        first_response_breached=Case(When(first, then=Value(True)), default=Value(False), output_field=BooleanField()),
        resolution_breached=Case(When(resolution, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def tickets_breaching(
    queryset: "QuerySet[Ticket] | None" = None, *, now: dt.datetime | None = None, which: str = "any"
) -> "QuerySet[Ticket]":
    """Tickets that missed (or are missing) a target: ``which`` is "first_response", "resolution" or "any"."""
    now = now or timezone.now()
    first, resolution = _breach_conditions(now)
    condition = {"first_response": first, "resolution": resolution}.get(which, first | resolution)
    return tickets_with_targets(queryset, now=now).filter(condition)


def inbound_mail_waiting_for_a_human(queryset: "QuerySet[InboundMail] | None" = None) -> "QuerySet[InboundMail]":
    queryset = InboundMail.objects.all() if queryset is None else queryset
    return queryset.exclude(error="").filter(handled_at__isnull=True)


_CENTS = Decimal("0.01")


def satisfaction_scores(*, customer_ids: Iterable[int]) -> list[SatisfactionScores]:
    """Each customer's CSAT average, last NPS answer and the flags they lead to: one query for the batch.

    Customers with no answer have no figures and no flag.
    """
    ids = list(customer_ids)
    if not ids:
        return []
    mine = SurveyResponse.objects.filter(customer=OuterRef("pk")).order_by()
    # The average as the customer's profile keeps it (two decimals), so the flags read what is shown.
    csat = Cast(
        Subquery(mine.values("customer").annotate(a=Avg("csat")).values("a")),
        output_field=DecimalField(max_digits=3, decimal_places=2),
    )
    nps = Subquery(mine.filter(nps__isnull=False).order_by("-created_at", "-pk").values("nps")[:1])
    rows = Customer.objects.filter(pk__in=ids).order_by().annotate(csat=csat, nps=nps).values_list("pk", "csat", "nps")
    scores = []
    for pk, average, last_nps in rows:
        # Not every database rounds a cast (SQLite keeps 3.666…): round as the profile column does.
        satisfaction = None if average is None else Decimal(average).quantize(_CENTS, rounding=ROUND_HALF_UP)
        scores.append(
            SatisfactionScores(
                customer_id=pk,
                satisfaction=satisfaction,
                last_nps=last_nps,
                at_risk=is_at_risk(last_nps=last_nps, satisfaction=satisfaction),
                referral_candidate=is_referral_candidate(last_nps=last_nps, satisfaction=satisfaction),
            )
        )
    return scores


def survey_wording() -> SurveyWording | None:
    """The marketers' wording of the survey, if they wrote one."""
    return SurveyWording.objects.first()


def survey_questions(*, language: str | None = None) -> dict[str, str]:
    """The survey's questions (``SURVEY_QUESTIONS``' keys) for a reader of ``language``, the active one when not
    given: the marketers' wording in that language when written, else the product's own question translated."""
    return questions_in(survey_wording(), language=language)


def questions_in(wording: SurveyWording | None, *, language: str | None = None) -> dict[str, str]:
    """``survey_questions`` with the wording already read (once for a batch of e-mails)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        return {
            key: (written_in(wording, key, language) if wording else "") or str(built_in)
            for key, built_in in SURVEY_QUESTIONS.items()
        }


def survey_products(*, order: Order) -> list[Product]:
    """The products of a surveyed order, each once, in the order of its lines."""
    seen: dict[int, Product] = {}
    for line in order.lines.select_related("product").order_by("pk"):
        seen.setdefault(line.product_id, line.product)
    return list(seen.values())
