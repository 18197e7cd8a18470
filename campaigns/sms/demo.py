"""Demo data of the SMS channel (``manage.py seed_demo``): a draft SMS campaign in three languages and the senders
that price it, so a marketer sees its parts, encoding and cost before sending, and sending it works with the
console provider."""

from decimal import Decimal

from campaigns.models import Campaign, CampaignStatus, Channel, Creative, CreativeKind, SmsSender
from customers.models import Segment

TEXTS = {
    "en": "Hi {{ customer.first_name }}, Yalda night: 20% off to Friday https://shop.example/yalda Reply STOP to end",
    "fa": "{{ customer.first_name }} عزیز، شب یلدا مبارک: ۲۰٪ تخفیف تا جمعه https://shop.example/yalda لغو۱۱",
    "ar": "{{ customer.first_name }}، خصم ٢٠٪ حتى الجمعة https://shop.example/yalda للإلغاء أرسل إلغاء",
}
SENDERS = [("IR", "10004346", Decimal("0.0040")), ("AE", "SHOP", Decimal("0.0350")), ("", "SHOP", Decimal("0.0500"))]


def sms_demo_campaign(*, segment: Segment) -> Campaign:
    """The draft "Yalda night (SMS)" campaign for ``segment``; made once, found again after."""
    campaign, created = Campaign.objects.get_or_create(
        name="Yalda night (SMS)", defaults={"channel": Channel.SMS, "status": CampaignStatus.DRAFT}
    )
    if created:
        campaign.segments.add(segment)
        for language, text in TEXTS.items():
            Creative.objects.create(
                campaign=campaign, kind=CreativeKind.SMS, language=language, name=f"Yalda ({language})", text_body=text
            )
    for country, sender, price in SENDERS:
        for provider in ("console", "kavenegar"):
            SmsSender.objects.get_or_create(
                provider=provider, country=country, defaults={"sender": sender, "price_per_part": price}
            )
    return campaign
