"""Sending a campaign through a real SMTP server: each consenting recipient gets exactly one message."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus, DeliveryEvent, DeliveryReport, Message, MessageStatus
from campaigns.services import campaign_pause, campaign_start
from campaigns.services.sending import campaign_send_run, campaign_send_test, messages_materialize
from campaigns.tasks import send_campaign, start_due_campaigns
from campaigns.verp import message_id_read, return_path_read
from customers.models import ConsentChannel, ConsentSource, Customer, SuppressedAddress, address_hash
from customers.selectors import suppressed_among
from customers.services import consent_set
from tests.campaigns.conftest import html_of, text_of
from tests.customers.factories import ConsentFactory, CustomerFactory, OccasionFactory
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_only_consenting_unsuppressed_members_receive_one_message_each(smtp_server, audience):
    campaign, segment, customers = audience(consenting=3)
    suppressed = CustomerFactory(suppressed=True)
    ConsentFactory(customer=suppressed)
    withdrawn = CustomerFactory()
    ConsentFactory(customer=withdrawn, granted=False)
    no_consent = CustomerFactory()
    segment.members.add(suppressed, withdrawn, no_consent)
    outsider = CustomerFactory()
    ConsentFactory(customer=outsider)

    campaign_start(campaign=campaign)

    assert smtp_server.count_by_recipient() == {c.email: 1 for c in customers}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert Message.objects.filter(campaign=campaign, status=MessageStatus.SENT).count() == 3


def test_starting_a_campaign_twice_sends_it_once(smtp_server, audience):
    campaign, _segment, _customers = audience(consenting=2)

    assert campaign_start(campaign=campaign) is True
    assert campaign_start(campaign=campaign) is False
    send_campaign.delay(campaign.pk)  # a second worker, or a second beat tick
    start_due_campaigns.delay()

    assert sorted(smtp_server.count_by_recipient().values()) == [1, 1]


def test_each_customer_gets_their_language_and_persian_is_right_to_left(smtp_server, audience):
    campaign, segment, _customers = audience(consenting=1)
    persian = CustomerFactory(persian=True)
    arabic = CustomerFactory(arabic=True)  # no Arabic variant: falls back to English
    for c in (persian, arabic):
        ConsentFactory(customer=c)
        segment.members.add(c)

    campaign_start(campaign=campaign)

    fa = smtp_server.to(persian.email)[0]
    assert fa["Subject"] == f"سلام {persian.first_name}"
    assert 'dir="rtl"' in html_of(fa)
    ar = smtp_server.to(arabic.email)[0]
    assert ar["Subject"] == f"Hello {arabic.first_name}"
    assert 'dir="rtl"' in html_of(ar)  # the document follows the reader's language


def test_every_email_has_one_click_unsubscribe_headers_and_tracked_links(smtp_server, audience, client):
    campaign, _segment, (customer,) = audience(consenting=1)

    campaign_start(campaign=campaign)

    message = smtp_server.to(customer.email)[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click, by_mail = "".join(str(message["List-Unsubscribe"]).split()).split(",")
    unsubscribe_url = one_click.strip("<>")
    # Unsubscribing by mail goes to the return path's mailbox unless a mailbox of its own is set.
    assert by_mail.startswith("<mailto:bounces@") and "?subject=unsubscribe%20" in by_mail
    assert "/t/u/" in unsubscribe_url
    html = html_of(message)
    assert "https://shop.example.com/spring" not in html  # rewritten to the click tracker
    assert "/t/c/" in html and "/t/o/" in html
    assert "/t/p/" in text_of(message)

    # What a mail provider does on "unsubscribe" (RFC 8058): a POST without any form token.
    response = client.post(urlsplit(unsubscribe_url).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not customer.consents.get(channel=ConsentChannel.EMAIL).granted


def test_list_unsubscribe_also_offers_a_mailto_when_a_mailbox_is_set(smtp_server, audience, settings):
    settings.CAMPAIGNS_UNSUBSCRIBE_EMAIL = "unsubscribe@shop.example"
    campaign, _segment, (customer,) = audience(consenting=1)

    campaign_start(campaign=campaign)

    entries = "".join(str(smtp_server.to(customer.email)[0]["List-Unsubscribe"]).split()).split(",")
    assert len(entries) == 2 and entries[0].startswith("<http") and "/t/u/" in entries[0]
    assert entries[1].startswith("<mailto:unsubscribe@shop.example?subject=unsubscribe%20")


def test_a_recipient_refused_for_now_is_retried_then_failed_without_blocking_others(smtp_server, audience, settings):
    settings.CAMPAIGNS_SEND_MAX_ATTEMPTS = 2
    campaign, _segment, customers = audience(consenting=3)
    refused = customers[1]
    smtp_server.defer.add(refused.email)

    campaign_start(campaign=campaign)

    assert set(smtp_server.count_by_recipient()) == {customers[0].email, customers[2].email}
    message = Message.objects.get(campaign=campaign, customer=refused)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert "450" in message.error

    # The backoff has passed: the beat job picks the campaign up again and the second refusal is final.
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    start_due_campaigns.delay()

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert len(smtp_server.received) == 2


def test_the_preheader_is_the_first_thing_in_the_message_and_hidden(smtp_server, audience):
    campaign, _segment, (customer,) = audience(consenting=1)
    campaign.creatives.filter(language="en").update(preheader="{{ customer.first_name }}, twenty percent off")
    customer.first_name, customer.preferred_language = "Zahra", "en"
    customer.save()

    campaign_start(campaign=campaign)

    html = html_of(smtp_server.to(customer.email)[0])
    body = html.split("<body", 1)[1].split(">", 1)[1]
    assert body.startswith('<div style="display:none;')
    assert "Zahra, twenty percent off" in body.split("</div>", 1)[0]
    assert "twenty percent" not in text_of(smtp_server.to(customer.email)[0])


@pytest.mark.parametrize("pipelining", [False, True], ids=["one command at a time", "pipelined"])
def test_an_address_that_does_not_exist_is_failed_at_once_and_never_retried(smtp_server, audience, pipelining):
    smtp_server.pipelining = pipelining
    campaign, _segment, customers = audience(consenting=3)
    gone, blocked = customers[1], customers[2]
    smtp_server.refuse.add(gone.email)
    smtp_server.block.add(blocked.email)

    campaign_start(campaign=campaign)

    assert set(smtp_server.count_by_recipient()) == {customers[0].email}
    for customer in (gone, blocked):
        message = Message.objects.get(campaign=campaign, customer=customer)
        assert message.status == MessageStatus.FAILED
        assert message.attempts == 1
    assert "5.1.1" in Message.objects.get(campaign=campaign, customer=gone).error
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    # The dead address is a hard bounce: suppressed at once. The policy refusal (5.7.1) says nothing about the
    # address: a soft bounce, which only counts.
    reports = {r.address: r.event for r in DeliveryReport.objects.filter(campaign=campaign)}
    assert reports == {gone.email: DeliveryEvent.HARD_BOUNCE, blocked.email: DeliveryEvent.SOFT_BOUNCE}
    gone.refresh_from_db()
    blocked.refresh_from_db()
    assert gone.suppressed and not blocked.suppressed
    assert suppressed_among([gone.email, blocked.email]) == {gone.email}


def test_an_address_on_the_suppression_list_is_never_sent_to(smtp_server, audience):
    campaign, _segment, customers = audience(consenting=3)
    listed = customers[1]
    # Listed by address only (an import from the previous tool): the customer's own flag was never set.
    SuppressedAddress.objects.create(address=listed.email, address_hash=address_hash(listed.email), reason="import")
    Customer.objects.filter(pk=listed.pk).update(suppressed=False)
    messages_materialize(campaign=campaign)

    campaign_start(campaign=campaign)

    assert set(smtp_server.count_by_recipient()) == {customers[0].email, customers[2].email}
    message = Message.objects.get(campaign=campaign, customer=listed)
    assert message.status == MessageStatus.FAILED
    assert "suppression list" in message.error


def test_each_message_has_its_own_signed_return_path_and_a_message_id_that_names_it(smtp_server, audience):
    campaign, _segment, (customer,) = audience(consenting=1)

    campaign_start(campaign=campaign)

    message = Message.objects.get(campaign=campaign, customer=customer)
    (sender,) = smtp_server.senders_to(customer.email)
    assert sender.startswith(f"bounces+c{message.pk}-")
    assert return_path_read(sender) == ("c", message.pk)
    assert message_id_read(smtp_server.to(customer.email)[0]["Message-ID"]) == ("c", message.pk)


def test_mail_servers_are_greeted_with_a_real_name_never_localhost(smtp_server, audience, settings):
    settings.CAMPAIGNS_FROM_EMAIL = "Saffron Shop <news@shop.example>"
    campaign, _segment, _customers = audience(consenting=1)

    campaign_start(campaign=campaign)

    assert smtp_server.greetings
    assert all(name and name != "localhost" and "." in name for name in smtp_server.greetings)
    settings.CAMPAIGNS_SMTP_HELO = "mta1.shop.example"
    smtp_server.greetings.clear()
    campaign_send_test(campaign=campaign, to="marketer@shop.example")
    assert smtp_server.greetings == ["mta1.shop.example"]


def test_messages_left_claimed_by_a_killed_worker_are_sent_once_after_their_claim_expires(
    smtp_server, audience, settings
):
    campaign, _segment, customers = audience(consenting=4)
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status"])
    messages_materialize(campaign=campaign)
    # A worker claimed two messages and died: one had reached the server and been marked, one had not.
    first, second = Message.objects.filter(campaign=campaign).order_by("pk")[:2]
    Message.objects.filter(pk=first.pk).update(status=MessageStatus.SENT, sent_at=timezone.now())
    smtp_server.received.append(([first.customer.email], None))
    long_ago = timezone.now() - dt.timedelta(seconds=settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT + 5)
    Message.objects.filter(pk=second.pk).update(status=MessageStatus.SENDING, claim="dead", claimed_at=long_ago)

    start_due_campaigns.delay()

    assert smtp_server.count_by_recipient() == {c.email: 1 for c in customers}
    assert not Message.objects.filter(campaign=campaign).exclude(status=MessageStatus.SENT).exists()


def test_a_message_being_handed_over_when_the_worker_died_is_never_sent_twice(smtp_server, audience, settings):
    campaign, _segment, customers = audience(consenting=3)
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status"])
    messages_materialize(campaign=campaign)
    # A worker died while handing this message to the server, which may have taken it.
    in_flight = Message.objects.filter(campaign=campaign).order_by("pk").first()
    smtp_server.received.append(([in_flight.customer.email], None))
    long_ago = timezone.now() - dt.timedelta(seconds=settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT + 5)
    Message.objects.filter(pk=in_flight.pk).update(status=MessageStatus.DELIVERING, claim="dead", claimed_at=long_ago)

    start_due_campaigns.delay()

    assert smtp_server.count_by_recipient() == {c.email: 1 for c in customers}
    in_flight.refresh_from_db()
    assert in_flight.status == MessageStatus.FAILED
    assert "may have arrived" in in_flight.error
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_each_message_is_marked_as_being_handed_over_before_the_server_sees_it(smtp_server, audience, monkeypatch):
    from campaigns.services.sending.transport import Handover

    campaign, _segment, _customers = audience(consenting=3)
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status"])
    messages_materialize(campaign=campaign)
    seen = []
    start = Handover.start

    def watching(handover, email):
        seen.append(Message.objects.get(campaign=campaign, customer__email=email[1][0]).status)
        return start(handover, email)

    monkeypatch.setattr(Handover, "start", watching)
    campaign_send_run(campaign_id=campaign.pk)

    assert seen == [MessageStatus.DELIVERING] * 3
    marks = set(Message.objects.filter(campaign=campaign).values_list("status", "attempts", "claim", "error"))
    assert marks == {(MessageStatus.SENT, 1, "", "")}
    assert not Message.objects.filter(campaign=campaign, sent_at__isnull=True).exists()


def test_a_fresh_claim_of_another_worker_is_left_alone(smtp_server, audience):
    campaign, _segment, _customers = audience(consenting=2)
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status"])
    messages_materialize(campaign=campaign)
    held = Message.objects.filter(campaign=campaign).order_by("pk").first()
    Message.objects.filter(pk=held.pk).update(status=MessageStatus.SENDING, claim="busy", claimed_at=timezone.now())

    result = campaign_send_run(campaign_id=campaign.pk)

    assert result.sent == 1
    assert held.customer.email not in smtp_server.count_by_recipient()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING  # not finished while another worker holds a message


def test_consent_withdrawn_after_listing_means_no_message(smtp_server, audience):
    campaign, _segment, customers = audience(consenting=2)
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status"])
    messages_materialize(campaign=campaign)
    consent_set(customer=customers[0], channel="email", granted=False, source=ConsentSource.UNSUBSCRIBE_LINK)

    campaign_send_run(campaign_id=campaign.pk)

    assert set(smtp_server.count_by_recipient()) == {customers[1].email}
    assert Message.objects.get(customer=customers[0]).status == MessageStatus.FAILED


def test_a_paused_campaign_stops_and_resumes_where_it_stopped(smtp_server, audience, settings):
    settings.CAMPAIGNS_SEND_BATCH_SIZE = 1
    campaign, _segment, customers = audience(consenting=3)
    campaign.status = CampaignStatus.SENDING
    campaign.save(update_fields=["status"])
    messages_materialize(campaign=campaign)
    campaign_pause(campaign=campaign)

    assert campaign_send_run(campaign_id=campaign.pk).stopped
    assert smtp_server.received == []

    campaign_start(campaign=campaign)
    assert smtp_server.count_by_recipient() == {c.email: 1 for c in customers}


def test_templates_show_occasions_and_recommended_products(smtp_server, audience):
    campaign, _segment, (customer,) = audience(consenting=1)
    campaign.products.add(ProductFactory(name="Saffron tea"))
    OccasionFactory(customer=customer, kind="birthday", month=3, day=9)
    creative = campaign.creatives.get(language="en")
    creative.html_body = (
        "{% for o in occasions %}<p>{{ o.kind }} {{ o.day }}/{{ o.month }}</p>{% endfor %}"
        "{% for p in recommended_products %}<li>{{ p.name }}</li>{% endfor %}"
    )
    creative.full_clean()
    creative.save()

    campaign_start(campaign=campaign)

    html = html_of(smtp_server.to(customer.email)[0])
    assert "Birthday 9/3" in html
    assert "<li>Saffron tea</li>" in html


def test_the_rate_limit_paces_the_sending(smtp_server, audience, settings, monkeypatch):
    settings.CAMPAIGNS_SEND_RATE = 5  # one message every 0.2 s
    clock = [100.0]
    monkeypatch.setattr("campaigns.services.sending.transport.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("campaigns.services.sending.transport.time.sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    campaign, _segment, _customers = audience(consenting=3)

    campaign_start(campaign=campaign)

    assert len(smtp_server.received) == 3
    assert clock[0] == pytest.approx(100.4)  # three messages took two intervals of the paced clock


def test_a_test_send_goes_to_the_marketer_only(audience):
    from campaigns.services.sending import campaign_send_test

    campaign, _segment, _customers = audience(consenting=2)

    campaign_send_test(campaign=campaign, to="marketer@example.com")

    assert [m.to for m in mail.outbox] == [["marketer@example.com"]]
    assert mail.outbox[0].subject.startswith("[Test]")
    assert not Message.objects.exists()


def test_an_email_campaign_without_an_email_creative_cannot_start(db):
    from django.core.exceptions import ValidationError

    from tests.campaigns.factories import CampaignFactory

    campaign = CampaignFactory()
    with pytest.raises(ValidationError):
        campaign_start(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_a_banner_campaign_goes_live_without_sending_mail(smtp_server, db):
    from tests.campaigns.factories import CreativeFactory

    banner = CreativeFactory(kind="banner", campaign__channel="banner", alt_text="Sale")

    assert campaign_start(campaign=banner.campaign)

    banner.campaign.refresh_from_db()
    assert banner.campaign.status == CampaignStatus.SENDING
    assert smtp_server.received == [] and not Message.objects.exists()


def test_a_scheduled_campaign_is_started_once_by_two_beat_ticks(smtp_server, audience):
    from campaigns.services import campaign_schedule

    campaign, _segment, customers = audience(consenting=2)
    campaign_schedule(campaign=campaign, when=timezone.now() + dt.timedelta(hours=1))

    start_due_campaigns.delay()
    assert smtp_server.received == []  # not yet

    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now() - dt.timedelta(minutes=1))
    start_due_campaigns.delay()
    start_due_campaigns.delay()

    assert smtp_server.count_by_recipient() == {c.email: 1 for c in customers}
    assert list(campaign.status_changes.order_by("id").values_list("to_status", flat=True)) == [
        "scheduled",
        "sending",
        "sent",
    ]
