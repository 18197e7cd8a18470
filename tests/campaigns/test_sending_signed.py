"""A campaign as a receiving server gets it: DKIM-signed by the sending domain's active key (the signature
verifies against the record the domain's page says to publish), from the brand's name in the customer's language."""

import dkim
import pytest

from campaigns.models import Sender
from campaigns.services import campaign_start
from campaigns.services.domains import dkim_key_activate, sending_domain_create
from campaigns.services.sending.dkim import signer_cache_clear
from tests.campaigns.test_dkim import published

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_domain(django_capture_on_commit_callbacks, settings):
    settings.CAMPAIGNS_FROM_EMAIL = "news@shop.example"
    signer_cache_clear()
    domain = sending_domain_create(domain="shop.example")
    with django_capture_on_commit_callbacks(execute=True):
        dkim_key_activate(key=domain.dkim_keys.get(), require_published=False)
    yield domain
    signer_cache_clear()


def raw_of(mailbox, address):
    return mailbox.raw_to(address)[0]


def test_each_message_is_signed_and_verifies_with_the_published_key(smtp_server, audience, signed_domain):
    campaign, _segment, customers = audience(consenting=2)
    customers[1].preferred_language = "fa"
    customers[1].save()
    Sender.objects.create(
        name="Saffron",
        from_email="news@shop.example",
        display_name_en="Saffron Shop",
        display_name_fa="فروشگاه زعفران",
        reply_to="care@shop.example",
        is_default=True,
    )

    campaign_start(campaign=campaign)

    english, persian = (smtp_server.to(c.email)[0] for c in customers)
    assert english["From"].addresses[0].display_name == "Saffron Shop"
    assert persian["From"].addresses[0].display_name == "فروشگاه زعفران"
    assert persian["Reply-To"] == "care@shop.example"
    for customer in customers:
        data = smtp_server.raw_to(customer.email)[0]
        assert data.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=shop.example;")
        assert dkim.verify(data, dnsfunc=published(signed_domain))
        tampered = data.replace(b"Subject: ", b"Subject: Re: ", 1)
        assert not dkim.verify(tampered, dnsfunc=published(signed_domain))


def test_a_domain_without_an_active_key_sends_unsigned(smtp_server, audience, settings):
    settings.CAMPAIGNS_FROM_EMAIL = "news@other.example"
    signer_cache_clear()
    sending_domain_create(domain="other.example")  # its key is still pending: not published yet
    campaign, _segment, (customer,) = audience(consenting=1)

    campaign_start(campaign=campaign)

    assert b"DKIM-Signature" not in smtp_server.raw_to(customer.email)[0]
