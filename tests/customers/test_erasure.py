"""The right to be forgotten: an erased customer leaves no personal data in any table or stored file, the other
customers keep theirs, and every dashboard figure and every amount stays the same."""

import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Sum

from aftersales.models import InboundMail, Review, SurveyResponse, Ticket, TicketMessage
from campaigns.models import DeliveryReport, Message, MessageStatus, OccasionOffer, Touch
from customers.erasure import ErasureSubject
from customers.models import (
    Consent,
    ConsentEvent,
    Customer,
    Erasure,
    ErasureSource,
    ImportJob,
    Need,
    NeedMention,
    Occasion,
    Segment,
    SegmentMembership,
    SuppressedAddress,
    address_hash,
)
from customers.selectors import suppressed_among
from customers.services import customer_get_or_create, segments_refresh_all
from customers.services.erasure import customer_erase, customer_erasure_preview, customers_erase_many
from cycle.selectors.dashboards import DASHBOARDS, Filters
from cycle.services.rollups import rollups_refresh
from emarketing.digits import to_ascii_digits
from orders.models import Order, OrderLine, Payment, Shipment
from tests.customers import erasure_world
from tests.customers.erasure_world import EMAIL, KEPT_EMAIL, OLD_EMAIL, PHONE_DIGITS, SECRETS

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _names_her(text):
    """Whether a text holds one of her secrets, or one of her phones in any digits and grouping."""
    folded = text.casefold()
    if any(secret.casefold() in folded for secret in SECRETS):
        return True
    digits = re.sub(r"\D", "", to_ascii_digits(text))
    return any(phone in digits for phone in PHONE_DIGITS)


def _leftovers():
    """Every text field of every model of every installed app, and every stored import file, that still names her."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields or model._meta.proxy:
            continue
        names = [f.attname for f in fields]
        for row in model._default_manager.values_list("pk", *names):
            for name, value in zip(names, row[1:], strict=True):
                if _names_her(_text(value)):
                    found.append(f"{model._meta.label}#{row[0]}.{name}: {_text(value)[:80]}")
    for name in erasure_world.import_file_names():
        with default_storage.open(name, "rb") as stream:
            if _names_her(stream.read().decode("utf-8", errors="replace")):
                found.append(f"file {name}")
    return found


def _plain(value):
    """A dashboard's figures, tables and charts as plain values (translated labels as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | Decimal | bool) or value is None:
        return value
    return str(value)


def _dashboards():
    figures = {}
    filters = Filters.default()
    for name, board in DASHBOARDS.items():
        for live in (False, True):
            shown = board(filters, live=live)
            figures[name, live] = _plain(
                {
                    "figures": [(label, value) for label, value, _hint in shown.figures],
                    "tables": {t.key: t.rows for t in shown.tables},
                    "charts": shown.charts,
                }
            )
    return figures


def _books():
    return (
        Order.objects.aggregate(total=Sum("total"))["total"],
        list(Order.objects.order_by("pk").values_list("number", "total", "currency", "status", "placed_at")),
        list(OrderLine.objects.order_by("pk").values_list("order_id", "product_id", "quantity", "unit_price")),
        list(Payment.objects.order_by("pk").values_list("amount", "currency", "status", "provider_reference")),
        list(Shipment.objects.order_by("pk").values_list("status", "promised_on", "shipped_at", "delivered_at")),
    )


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    erasure_world.forget_import_files()
    with django_capture_on_commit_callbacks(execute=True):
        yield erasure_world.build()
    erasure_world.forget_import_files()


def test_an_erased_customer_leaves_no_personal_data_anywhere(world, django_capture_on_commit_callbacks):
    erased, _kept = world
    assert _leftovers()  # the check finds her before

    with django_capture_on_commit_callbacks(execute=True):
        erasure = customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)

    assert _leftovers() == []
    assert erasure.removed["customers.profile"] == 1
    assert erasure.removed["aftersales.ticket_messages"] == 3
    assert not any(_names_her(_text(v)) for v in erasure.removed)  # counts, never the data


def test_the_other_customer_keeps_everything(world, django_capture_on_commit_callbacks):
    erased, kept = world
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)

    kept.refresh_from_db()
    assert (kept.first_name, kept.email, kept.erased_at, kept.suppressed) == ("Keptina", KEPT_EMAIL, None, False)
    assert Ticket.objects.get(customer=kept).contact_email == KEPT_EMAIL
    assert TicketMessage.objects.get(ticket__customer=kept).body == "Keptina asks about the samovar"
    assert Review.objects.get(customer=kept).body == "Lovely samovar"
    assert SurveyResponse.objects.get(customer=kept).comment == "Keptina is happy"
    assert set(Touch.objects.filter(customer=kept).exclude(user_agent="").values_list("user_agent", flat=True)) == {
        "Mozilla/5.0 (Keptina)"
    }
    assert InboundMail.objects.get(sender=KEPT_EMAIL).raw == "Keptina"
    assert Occasion.objects.filter(customer=kept).count() == 1
    assert Consent.objects.filter(customer=kept, granted=True).count() == 3
    assert list(SegmentMembership.objects.values_list("customer_id", flat=True)) == [kept.pk]
    assert Segment.objects.get(name="Hand-picked").member_count == 1
    assert erasure_world.import_file_names() == ["imports/customers/without-her.csv"]
    assert not suppressed_among([KEPT_EMAIL])


def test_what_the_erased_customer_keeps_is_anonymous_and_counted(world, django_capture_on_commit_callbacks):
    erased, _kept = world
    heard = list(Need.objects.order_by("pk").values_list("mention_count", flat=True)), NeedMention.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        erasure = customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)

    erased.refresh_from_db()
    assert erased.erased_at == erasure.completed_at
    assert (erased.email, erased.phone, erased.first_name, erased.city, erased.external_id) == ("", "", "", "", "")
    assert (erased.value_tier, erased.lifecycle_stage, erased.country, erased.preferred_language) == (
        "most_valuable",
        "retention",
        "IR",
        "fa",
    )
    assert erased.suppressed and str(erased) == f"Erased customer #{erased.pk}"
    assert not Consent.objects.filter(customer=erased, granted=True).exists()
    assert set(ConsentEvent.objects.filter(customer=erased, granted=False).values_list("source", flat=True)) == {
        "erasure"
    }
    # Both her addresses stay suppressed, by hash only: imported again, she starts suppressed.
    assert set(SuppressedAddress.objects.values_list("address", flat=True)) == {""}
    assert suppressed_among([EMAIL.upper(), OLD_EMAIL]) == {EMAIL.upper(), OLD_EMAIL}
    again, created = customer_get_or_create(email=EMAIL, first_name="Zarvandokht")
    assert created and again.suppressed and again.pk != erased.pk
    # Scores, ratings and events stay; what she wrote is gone.
    assert list(SurveyResponse.objects.filter(customer=erased).values_list("csat", "nps", "comment")) == [(2, 3, "")]
    assert list(Review.objects.filter(customer=erased).values_list("rating", "body")) == [(1, "")]
    assert Touch.objects.filter(customer=erased).count() == 3
    assert Ticket.objects.filter(customer=erased).count() == 2
    assert NeedMention.objects.filter(customer=erased).exists()
    assert (
        list(Need.objects.order_by("pk").values_list("mention_count", flat=True)),
        NeedMention.objects.count(),
    ) == heard
    # Her birthday went; the offer made for it stays counted in its campaign.
    assert not Occasion.objects.filter(customer=erased).exists()
    assert OccasionOffer.objects.get(customer=erased).status == MessageStatus.SENT
    # Unsent messages are cancelled; delivery reports keep their hash and event.
    assert Message.objects.get(customer=erased, campaign__name="Spring").status == MessageStatus.FAILED
    assert set(DeliveryReport.objects.values_list("address_hash", "address")) == {(address_hash(EMAIL), "")}
    # A queued import on a file naming her failed, with nothing changed.
    assert ImportJob.objects.get().status == "failed"


def test_every_dashboard_figure_and_every_amount_stays_the_same(world, django_capture_on_commit_callbacks):
    erased, _kept = world
    rollups_refresh()
    before, books = _dashboards(), _books()

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)
    rollups_refresh()
    assert _dashboards() == before
    rollups_refresh(full=True)
    assert _dashboards() == before
    assert _books() == books
    assert books[0] == Decimal("200.00")


def test_erasing_twice_records_once_and_changes_nothing_more(world, django_capture_on_commit_callbacks):
    erased, _kept = world
    with django_capture_on_commit_callbacks(execute=True):
        first = customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)
    consent_events = ConsentEvent.objects.count()

    second = customer_erase(customer=erased, source=ErasureSource.ADMIN_BULK, requested_by=None)
    batch = customers_erase_many(customer_ids=[erased.pk, 999_999], requested_by=None)

    assert second == first and Erasure.objects.count() == 1
    assert (batch.erased, batch.already, batch.missing) == (0, 1, 1)
    assert ConsentEvent.objects.count() == consent_events


def test_the_preview_counts_what_would_go_and_changes_nothing(world):
    erased, _kept = world
    leftovers = _leftovers()

    preview = customer_erasure_preview(customer=erased)

    assert preview["customers.profile"] == 1 and preview["aftersales.reviews"] == 1
    assert preview["customers.import_files"] == 1
    assert _leftovers() == leftovers
    assert "imports/customers/with-her.csv" in erasure_world.import_file_names()
    assert not Erasure.objects.exists()
    assert Customer.objects.get(pk=erased.pk).email == EMAIL


def test_an_erased_customer_joins_no_segment_again(world, django_capture_on_commit_callbacks):
    erased, kept = world
    segments_refresh_all(full=True)
    by_rules = Segment.objects.get(name="Most valuable")
    assert set(by_rules.memberships.values_list("customer_id", flat=True)) == {erased.pk, kept.pk}

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)
    segments_refresh_all()
    segments_refresh_all(full=True)

    assert set(by_rules.memberships.values_list("customer_id", flat=True)) == {kept.pk}
    by_rules.refresh_from_db()
    assert by_rules.member_count == 1


@pytest.mark.parametrize(
    "text",
    [
        "call +98 912 111 2233",
        "۰۹۱۲-۱۱۱-۲۲۳۳",
        "٠٩١٢١١١٢٢٣٣",
        "(0912) 111.2233",
        "to ZARVANDOKHT.Q@EXAMPLE.ORG today",
        "00989121112233",
    ],
)
def test_a_subject_is_recognised_in_any_spelling_of_its_address_and_phone(text):
    subject = ErasureSubject(customer_id=1, emails=(EMAIL,), phones=("+989121112233",))
    assert subject.mentions(text)


@pytest.mark.parametrize("text", ["", "order 9121112", "zarvandokht@example.org", "+98 912 111 2234", None])
def test_a_subject_is_not_seen_where_it_is_not(text):
    subject = ErasureSubject(customer_id=1, emails=(EMAIL,), phones=("+989121112233",))
    assert not subject.mentions(text)


def test_the_segments_she_left_are_forgotten_and_the_others_departures_kept(world, django_capture_on_commit_callbacks):
    from customers.models import SegmentDeparture

    erased, kept = world
    segment = Segment.objects.get(name="Hand-picked")
    SegmentDeparture.objects.create(segment=segment, customer=erased)
    SegmentDeparture.objects.create(segment=segment, customer=kept)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = customer_erase(customer=erased, source=ErasureSource.ADMIN, requested_by=None)

    assert list(SegmentDeparture.objects.values_list("customer_id", flat=True)) == [kept.pk]
    assert erasure.removed["customers.segment_departures"] == 1
