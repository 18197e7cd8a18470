"""An SMS campaign sent through the product's path against a bare sender, both to the providers' local stand-in.

    .venv/bin/python bench/sms.py                  # 2,000 recipients
    .venv/bin/python bench/sms.py --recipients 500

The same audience (half English, half Persian, each with SMS consent; a text with a tracked link) goes to the
stand-in of Kavenegar (``tests/sms_server.py``, a threaded http.server on 127.0.0.1) two ways, in this process:

* bare: the limit. The texts rendered beforehand, then handed to the Kavenegar adapter one request a message,
  doing nothing else.
* product: ``sms_campaign_send_run``: the recipients listed, then id-ordered batches claimed, checked (consent,
  suppression, number, quiet hours), rendered with short tracked links, each message marked "being handed over"
  and committed before its request, its answer recorded in the next commit.

The ratio is what the exactly-once discipline and the checks cost per message over the HTTP round trip alone.
Also timed: ``sms_size`` over 100,000 texts. Uses a throwaway SQLite database under var/bench unless DATABASE_URL
is set. Last line: ``SMS: <ratio> x the time of the bare sender (details)``.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.test")
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'sms.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from campaigns.models import Campaign, CampaignStatus, Channel, Creative, CreativeKind, SmsMessage  # noqa: E402
from campaigns.services.sms import sms_campaign_send_run  # noqa: E402
from campaigns.sms.encoding import sms_size  # noqa: E402
from campaigns.sms.providers import KavenegarProvider, Outgoing  # noqa: E402
from customers.models import Consent, ConsentChannel, Customer, Segment, SegmentMembership  # noqa: E402
from tests.sms_server import start_stand_in  # noqa: E402

TEXT = "Hi {{ customer.first_name }}, Yalda: 20% off https://shop.example/yalda Reply STOP to end"
TEXT_FA = "سلام {{ customer.first_name }}، یلدا: ۲۰٪ تخفیف https://shop.example/yalda لغو۱۱"


def build(recipients):
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    segment = Segment.objects.create(name="Bench")
    customers = Customer.objects.bulk_create(
        [
            Customer(
                first_name=f"Name{i}",
                phone=f"+98912{i:07d}",
                preferred_language="fa" if i % 2 else "en",
                time_zone="UTC",
            )
            for i in range(recipients)
        ],
        batch_size=5000,
    )
    Consent.objects.bulk_create([Consent(customer=c, channel=ConsentChannel.SMS, granted=True) for c in customers])
    SegmentMembership.objects.bulk_create([SegmentMembership(customer=c, segment=segment) for c in customers])
    campaign = Campaign.objects.create(name="Yalda", channel=Channel.SMS, status=CampaignStatus.SENDING)
    campaign.segments.add(segment)
    for language, text in (("en", TEXT), ("fa", TEXT_FA)):
        Creative.objects.create(
            campaign=campaign, kind=CreativeKind.SMS, language=language, name=language, text_body=text
        )
    return campaign, customers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    args = parser.parse_args()

    stand_in, stop = start_stand_in()
    settings.SMS_PROVIDER = "kavenegar"
    settings.SMS_KAVENEGAR_BASE_URL = stand_in.url
    settings.SMS_KAVENEGAR_API_KEY = stand_in.api_key
    settings.SMS_DEFAULT_SENDER = "10004346"
    settings.CAMPAIGNS_QUIET_HOURS_START = settings.CAMPAIGNS_QUIET_HOURS_END = "00:00"
    try:
        campaign, customers = build(args.recipients)
        texts = [f"Hi {c.first_name}, Yalda: 20% off https://example.com/s/abc.def.ghijklmnopqr" for c in customers]

        started = time.perf_counter()
        provider = KavenegarProvider()
        for i, (customer, text) in enumerate(zip(customers, texts, strict=True)):
            provider.send([Outgoing(customer.phone, "10004346", text, i)])
        bare = time.perf_counter() - started
        stand_in.received.clear()

        started = time.perf_counter()
        result = sms_campaign_send_run(campaign_id=campaign.pk)
        product = time.perf_counter() - started
        assert result.sent == args.recipients, result
        assert len(stand_in.received) == args.recipients
        assert SmsMessage.objects.filter(status="sent").count() == args.recipients

        sample = [TEXT * (1 + i % 3) for i in range(50_000)] + [TEXT_FA * (1 + i % 3) for i in range(50_000)]
        started = time.perf_counter()
        for text in sample:
            sms_size(text)
        sizing = time.perf_counter() - started
    finally:
        stop()
    n = args.recipients
    print(f"bare sender: {n / bare:,.0f} messages/s; product: {n / product:,.0f} messages/s")
    print(f"sms_size: {len(sample) / sizing:,.0f} texts/s")
    print(
        f"SMS: {product / bare:.2f} x the time of the bare sender "
        f"({n} recipients, {bare:.2f}s bare, {product:.2f}s product, {connection_vendor()})"
    )


def connection_vendor():
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
