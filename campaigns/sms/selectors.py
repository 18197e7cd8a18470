"""Reads of the SMS channel: who a campaign may text, its SMS text per language, and what sending it would cost."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Substr

from campaigns.models import Campaign, Creative, CreativeKind, SmsSender
from campaigns.templating import CompiledCreative
from customers.models import Consent, ConsentChannel, Customer, Language, SegmentMembership

from .encoding import SmsSize, sms_size


def sms_consent_granted() -> Exists:
    return Exists(Consent.objects.filter(customer=OuterRef("pk"), channel=ConsentChannel.SMS, granted=True).order_by())


def contactable_by_sms() -> QuerySet[Customer]:
    """Customers who may receive SMS: a phone number, SMS consent given, not suppressed."""
    return Customer.objects.exclude(phone="").filter(suppressed=False).filter(sms_consent_granted())


def sms_campaign_audience(*, campaign: Campaign) -> QuerySet[Customer]:
    """The members of the campaign's target segments who may receive SMS, each once, in id order."""
    segment_ids = list(campaign.segments.values_list("pk", flat=True))
    member = SegmentMembership.objects.filter(customer=OuterRef("pk"), segment_id__in=segment_ids).order_by()
    return contactable_by_sms().filter(Exists(member)).order_by("pk")


def sms_creatives_by_language(*, campaign: Campaign) -> dict[str, Creative]:
    """The campaign's SMS text per language; a language without one falls back to English (else to any)."""
    found = {c.language: c for c in Creative.objects.filter(campaign=campaign, kind=CreativeKind.SMS)}
    fallback = found.get(Language.ENGLISH) or next(iter(found.values()), None)
    return {code: found.get(code, fallback) for code in Language.values} if fallback else {}


def phone_country(phone: str) -> str:
    """The ISO country of an E.164 number ("" when it cannot be read)."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone.split(";")[0])) or ""
    except phonenumbers.NumberParseException:
        return ""


def prefix_country(prefix: str) -> str:
    """The main country of the calling code that starts ``prefix`` (``+989`` → IR, ``+971`` → AE, ``+1`` → US)."""
    digits = prefix.lstrip("+")
    for length in (1, 2, 3):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:length] or 0))
        if regions and len(digits) >= length:
            return regions[0] if regions[0] != "001" else ""
    return ""


def sms_senders(*, provider: str) -> dict[str, SmsSender]:
    """The provider's senders by country ("" for the one used for every other country)."""
    return {s.country: s for s in SmsSender.objects.filter(provider=provider)}


@dataclass
class CountryCost:
    country: str
    recipients: int
    parts: int  # recipients × their text's parts
    price_per_part: Decimal | None  # None: no sender for this country
    currency: str

    @property
    def cost(self) -> Decimal | None:
        return None if self.price_per_part is None else self.price_per_part * self.parts


@dataclass
class SmsCostEstimate:
    """What an SMS campaign would send and cost, before it is sent: each language's text size (rendered for a
    sample customer, links as long as their short addresses), and per country the recipients, parts and price."""

    texts: dict[str, SmsSize] = field(default_factory=dict)
    countries: list[CountryCost] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return sum(c.recipients for c in self.countries)

    @property
    def parts(self) -> int:
        return sum(c.parts for c in self.countries)

    @property
    def totals(self) -> dict[str, Decimal]:
        """The cost per currency (countries without a sender are left out: see ``unpriced``)."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for c in self.countries:
            if c.cost is not None:
                out[c.currency] += c.cost
        return dict(out)

    @property
    def unpriced(self) -> int:
        return sum(c.recipients for c in self.countries if c.price_per_part is None)


def sample_text(creative: Creative) -> str:
    """The creative's text as a typical customer gets it: rendered for a sample name, each link as long as the short
    tracking address that replaces it."""
    from campaigns.services.sms.links import short_url, urls_in

    context = {
        "customer": {"first_name": "Sample", "last_name": "Customer"},
        "occasions": [],
        "occasion": {"kind": "Birthday", "label": "", "month": 12, "day": 31},
        "recommended_products": [],
    }
    text = CompiledCreative(subject="", html_body="", text_body=creative.text_body).render(context)[2].strip()
    for url in urls_in(text):
        text = text.replace(url, short_url(message_id=10**7, link_id=10**5))
    return text


def sms_campaign_cost(*, campaign: Campaign, provider: str | None = None) -> SmsCostEstimate:
    """The campaign's SMS audience priced: recipients × parts of their language's text × price per part of their
    country. Grouped in the database by language and the phone's calling code, so the figures cost a fixed few
    queries and a few rows, however large the audience."""
    provider = provider or settings.SMS_PROVIDER
    creatives = sms_creatives_by_language(campaign=campaign)
    estimate = SmsCostEstimate()
    sized: dict[int, SmsSize] = {}
    for c in creatives.values():
        if c.pk not in sized:
            sized[c.pk] = sms_size(sample_text(c))
    texts = {lang: sized[c.pk] for lang, c in creatives.items()}
    estimate.texts = {c.language: texts[c.language] for c in creatives.values()}
    if not creatives:
        return estimate
    senders = sms_senders(provider=provider)
    # The phone's first digits name its country well enough to price it: +98…, +971…, +1…
    groups = (
        sms_campaign_audience(campaign=campaign)
        .order_by()
        .annotate(prefix=Substr("phone", 1, 4))
        .values("preferred_language", "prefix")
        .annotate(n=Count("pk"))
    )
    per_country: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in groups:
        country = prefix_country(row["prefix"])
        size = texts.get(row["preferred_language"]) or next(iter(texts.values()))
        per_country[country][0] += row["n"]
        per_country[country][1] += row["n"] * size.parts
    for country, (recipients, parts) in sorted(per_country.items()):
        sender = senders.get(country) or senders.get("")
        estimate.countries.append(
            CountryCost(
                country=country,
                recipients=recipients,
                parts=parts,
                price_per_part=sender.price_per_part if sender else None,
                currency=sender.currency if sender else "",
            )
        )
    return estimate
