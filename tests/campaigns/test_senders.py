"""Who a customer sees a message come from: the brand's name in their language, falling back sensibly."""

import email
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest

from campaigns.models import Sender
from campaigns.services.senders import sender_address, sender_reply_to
from campaigns.services.sending.mime import build_email
from campaigns.services.sending.render import Rendered

pytestmark = pytest.mark.django_db


def test_the_display_name_follows_the_language_then_english_then_the_name():
    sender = Sender.objects.create(
        name="Saffron (internal)", from_email="news@shop.example", display_name_en="Saffron Shop"
    )
    assert sender_address(sender=sender, language="ar") == "Saffron Shop <news@shop.example>"
    sender.display_name_ar = "متجر الزعفران"
    assert sender_address(sender=sender, language="ar") == "متجر الزعفران <news@shop.example>"
    sender.display_name_en = ""
    assert sender_address(sender=sender, language="fa") == '"Saffron (internal)" <news@shop.example>'


def test_no_sender_means_the_default_sender_and_none_at_all_the_settings_address(settings):
    settings.CAMPAIGNS_FROM_EMAIL = "Shop <shop@example.com>"
    assert sender_address(sender=None, language="fa") == "Shop <shop@example.com>"
    assert sender_reply_to(sender=None) == ""

    Sender.objects.create(name="Other", from_email="other@shop.example")
    Sender.objects.create(
        name="Main",
        from_email="hello@shop.example",
        display_name_en="Tea House",
        reply_to="care@shop.example",
        is_default=True,
    )
    assert sender_address(sender=None, language="en") == "Tea House <hello@shop.example>"
    assert sender_reply_to(sender=None) == "care@shop.example"


def test_a_persian_display_name_reaches_the_customer_intact():
    sender = Sender.objects.create(
        name="Saffron", from_email="news@shop.example", display_name_fa="فروشگاه زعفران، چای و شیرینی ایرانی"
    )
    from_email = sender_address(sender=sender, language="fa")
    rendered = Rendered(subject="سلام", html="", text="سلام")
    data = build_email(rendered, to="a@example.com", from_email=from_email).message().as_bytes(linesep="\r\n")

    header = email.message_from_bytes(data)["From"]
    assert header.isascii()  # RFC 2047 encoded words
    # Decoded as RFC 2047 says (the space between two encoded words is dropped; the newer parser of Python's
    # email package keeps it, so it is not the judge here).
    name, address = parseaddr(str(make_header(decode_header(header))))
    assert name == "فروشگاه زعفران، چای و شیرینی ایرانی"
    assert address == "news@shop.example"
