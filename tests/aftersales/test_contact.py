import datetime as dt
import time
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.models import InboundMail, MessageAuthor, Ticket, TicketPriority, TicketStatus
from aftersales.selectors import tickets_breaching, tickets_with_targets
from aftersales.tasks import send_contact_line_mail
from emarketing.signing import signature_headers
from tests.aftersales.factories import TicketFactory
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

SECRET = "mail-secret"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.INBOUND_MAIL_SECRET = SECRET
    settings.PUBLIC_FORM_RATE_LIMIT = 3
    cache.clear()


def contact_data(**overrides):
    data = {"name": "Ali", "email": "ali@example.com", "subject": "Question", "message": "Do you ship to Shiraz?"}
    data.update(overrides)
    return data


def test_the_web_form_opens_a_ticket_and_acknowledges_it(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="ali@example.com", persian=True)
    OrderFactory(customer=customer, number="ORD-77")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aftersales:contact"), contact_data(order_number="ORD-۷۷"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    # The typed address proves nothing: no customer record, no order, until the writer answers from it.
    assert (ticket.customer, ticket.order, ticket.channel) == (None, None, "web")
    assert ticket.messages.first().body.startswith("Do you ship to Shiraz?")
    assert "ORD-77" in ticket.messages.first().body
    assert ticket.acknowledged_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ali@example.com"]
    assert f"[#{ticket.pk}]" in mail.outbox[0].subject
    assert ticket.messages.filter(author_kind=MessageAuthor.SYSTEM).exists()


def test_the_acknowledgement_is_sent_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(subject="Hi", body="Hello", channel="web", contact_email="a@example.com")
    assert services.ticket_acknowledge(ticket_id=ticket.pk) is False
    assert len(mail.outbox) == 1


def test_an_acknowledgement_the_mail_server_missed_goes_out_later_and_is_noted_once(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(subject="Hi", body="Hello", channel="web", contact_email="a@example.com")
    ticket.refresh_from_db()
    assert ticket.acknowledged_at is None and not mail.outbox
    monkeypatch.undo()
    assert send_contact_line_mail.delay().get() == {"acknowledgements": 1, "apologies": 0}
    assert send_contact_line_mail.delay().get() == {"acknowledgements": 0, "apologies": 0}
    ticket.refresh_from_db()
    (sent,) = mail.outbox
    assert ticket.acknowledged_at is not None
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ticket.messages.filter(author_kind=MessageAuthor.SYSTEM).count() == 1


def test_the_web_form_refuses_bad_input_with_a_message(client):
    response = client.post(reverse("aftersales:contact"), contact_data(email="nope", message=""))
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"email", "message"}
    assert not Ticket.objects.exists()


def test_the_web_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("aftersales:contact"), contact_data()).status_code == 403
    assert not Ticket.objects.exists()


def test_the_web_form_is_rate_limited(client):
    for _ in range(3):
        client.post(reverse("aftersales:contact"), contact_data())
    response = client.post(reverse("aftersales:contact"), contact_data())
    assert response.status_code == 429
    assert Ticket.objects.count() == 3


def test_the_web_form_escapes_what_it_shows_back(client):
    response = client.post(reverse("aftersales:contact"), contact_data(subject="<script>alert(1)</script>", email="x"))
    assert b"<script>alert(1)</script>" not in response.content


def raw_mail(sender="reza@example.com", subject="Broken kettle", body="The kettle arrived broken.", **headers):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def post_mail(client, raw, secret=SECRET):
    return client.post(
        reverse("aftersales:inbound_mail_webhook"),
        data=raw,
        content_type="message/rfc822",
        headers=signature_headers(body=raw, secret=secret, scope="inbound-mail"),
    )


def test_an_inbound_email_becomes_a_ticket_with_an_acknowledgement(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="reza@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_mail(client, raw_mail(Message_ID="<m1@example.com>"))
    assert response.status_code == 202
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.channel, ticket.subject) == (customer, "email", "Broken kettle")
    assert InboundMail.objects.get().ticket == ticket
    assert len(mail.outbox) == 1


def test_the_same_email_twice_makes_one_ticket(client):
    raw = raw_mail(Message_ID="<same@example.com>")
    post_mail(client, raw)
    post_mail(client, raw)
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1


def test_an_unsigned_inbound_email_is_refused_and_not_stored(client):
    response = post_mail(client, raw_mail(), secret="wrong")
    assert response.status_code == 401
    assert not InboundMail.objects.exists() and not Ticket.objects.exists()


def test_an_inbound_email_signed_an_hour_ago_or_for_another_endpoint_is_refused(client):
    raw = raw_mail()
    url = reverse("aftersales:inbound_mail_webhook")
    stale = signature_headers(body=raw, secret=SECRET, scope="inbound-mail", timestamp=int(time.time()) - 3600)
    elsewhere = signature_headers(body=raw, secret=SECRET, scope="orders")
    for headers in (stale, elsewhere):
        response = client.post(url, data=raw, content_type="message/rfc822", headers=headers)
        assert response.status_code == 401
    assert not InboundMail.objects.exists() and not Ticket.objects.exists()


def test_an_unreadable_email_is_kept_for_a_human(client, admin_client):
    response = post_mail(client, b"\x00\x01 this is not an e-mail at all")
    assert response.status_code == 202
    stored = InboundMail.objects.get()
    assert stored.error and stored.ticket is None and stored.needs_a_human
    assert "this is not an e-mail" in stored.raw
    assert not Ticket.objects.exists()
    listing = admin_client.get(reverse("admin:aftersales_inboundmail_changelist"), {"waiting": "yes"})
    assert list(listing.context["cl"].result_list) == [stored]


def test_an_email_without_text_is_kept_for_a_human(client):
    post_mail(client, raw_mail(body="   "))
    assert InboundMail.objects.get().error
    assert not Ticket.objects.exists()


def test_a_reply_lands_in_the_same_thread_and_reopens_the_ticket(client):
    ticket = services.ticket_create(subject="Kettle", body="Broken", channel="email", contact_email="reza@example.com")
    services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED)
    post_mail(client, raw_mail(subject=f"Re: [#{ticket.pk}] Kettle", body="Still broken, sorry."))
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.filter(body="Still broken, sorry.", author_kind=MessageAuthor.CUSTOMER).exists()


def test_a_tag_from_a_stranger_does_not_reach_someone_elses_ticket(client):
    ticket = services.ticket_create(subject="Kettle", body="Broken", channel="email", contact_email="reza@example.com")
    post_mail(client, raw_mail(sender="mallory@example.com", subject=f"Re: [#{ticket.pk}]"))
    assert Ticket.objects.count() == 2
    assert ticket.messages.count() == 1


class FakeImap:
    """Stands in for imaplib's client: holds messages, remembers what was flagged seen."""

    def __init__(self, messages):
        self.messages = dict(enumerate(messages, start=1))
        self.seen, self.logged_out = set(), False

    def search(self, charset, criterion):
        unseen = [str(n).encode() for n in self.messages if n not in self.seen]
        return "OK", [b" ".join(unseen)]

    def fetch(self, number, parts):
        return "OK", [(f"{int(number)} (BODY[] {{0}}".encode(), self.messages[int(number)]), b")"]

    def store(self, number, command, flags):
        self.seen.add(int(number))
        return "OK", [b""]

    def logout(self):
        self.logged_out = True


def test_the_mailbox_job_turns_unseen_mail_into_tickets():
    imap = FakeImap([raw_mail(Message_ID="<a@x>"), raw_mail(sender="sara@example.com", Message_ID="<b@x>"), b"\x00"])
    assert services.mailbox_poll(client=imap) == 3
    assert Ticket.objects.count() == 2
    assert InboundMail.objects.filter(source="imap").count() == 3
    assert InboundMail.objects.exclude(error="").count() == 1
    assert imap.seen == {1, 2, 3} and imap.logged_out
    assert services.mailbox_poll(client=FakeImap([raw_mail(Message_ID="<a@x>")])) == 1
    assert Ticket.objects.count() == 2


def test_the_mailbox_job_is_off_without_imap_url(settings):
    settings.IMAP_URL = ""
    assert services.mailbox_poll() == 0


def test_phone_tickets_are_entered_in_the_admin_with_the_customers_words(admin_client):
    customer = CustomerFactory(arabic=True)
    data = {
        "message": "اتصل العميل بخصوص تأخر الشحنة",
        "customer": customer.pk,
        "contact_email": "",
        "channel": "phone",
        "subject": "Call about a late parcel",
        "priority": "high",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:aftersales_ticket_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get()
    assert ticket.channel == "phone" and ticket.contact_email == customer.email
    assert ticket.messages.first().body == "اتصل العميل بخصوص تأخر الشحنة"


def test_a_staff_reply_in_the_admin_stamps_the_first_response(admin_client, admin_user):
    ticket = services.ticket_create(subject="Hi", body="Hello", channel="web", contact_email="a@example.com")
    count = ticket.messages.count()
    data = {
        "customer": "",
        "contact_email": "a@example.com",
        "channel": "web",
        "subject": "Hi",
        "priority": "normal",
        "messages-TOTAL_FORMS": str(count + 1),
        "messages-INITIAL_FORMS": str(count),
        **{f"messages-{i}-id": m.pk for i, m in enumerate(ticket.messages.all())},
        **{f"messages-{i}-ticket": ticket.pk for i in range(count + 1)},
        f"messages-{count}-author_kind": "staff",
        f"messages-{count}-body": "We are on it.",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:aftersales_ticket_change", args=[ticket.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == TicketStatus.OPEN
    reply = ticket.messages.get(body="We are on it.")
    assert reply.author == admin_user


def test_targets_per_priority_flag_breaches(settings, admin_client):
    settings.TICKET_FIRST_RESPONSE_HOURS = {"urgent": 1, "high": 4, "normal": 8, "low": 24}
    settings.TICKET_RESOLUTION_HOURS = {"urgent": 8, "high": 24, "normal": 72, "low": 168}
    now = timezone.now()
    late = TicketFactory(priority=TicketPriority.URGENT, created_at=now - dt.timedelta(hours=2))
    fine = TicketFactory(priority=TicketPriority.LOW, created_at=now - dt.timedelta(hours=2))
    answered_late = TicketFactory(
        priority=TicketPriority.HIGH,
        created_at=now - dt.timedelta(hours=10),
        first_response_at=now - dt.timedelta(hours=1),
    )
    assert set(tickets_breaching(which="first_response")) == {late, answered_late}
    assert fine not in tickets_breaching()
    targets = tickets_with_targets().get(pk=late.pk)
    assert targets.first_response_due == late.created_at + dt.timedelta(hours=1)
    listing = admin_client.get(reverse("admin:aftersales_ticket_changelist"), {"target": "breached"})
    assert set(listing.context["cl"].result_list) == {late, answered_late}


def test_resolving_and_closing_through_admin_actions(admin_client):
    ticket = TicketFactory()
    url = reverse("admin:aftersales_ticket_changelist")
    admin_client.post(url, {"action": "resolve_tickets", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at
    admin_client.post(url, {"action": "close_tickets", "_selected_action": [ticket.pk]})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.status_changes.count() == 2


def test_the_web_form_keeps_an_internationalised_address_and_acknowledges_it(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("aftersales:contact"), contact_data(email="زهرا@مثال.ایران"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.contact_email == "زهرا@مثال.ایران"
    assert ticket.acknowledgement.to == "زهرا@مثال.ایران"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["زهرا@مثال.ایران"]


def test_the_web_form_attaches_nothing_to_the_customer_who_owns_the_typed_address(
    client, django_capture_on_commit_callbacks
):
    victim = CustomerFactory(email="ali@example.com")
    OrderFactory(customer=victim, number="ORD-9")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("aftersales:contact"), contact_data(email="ali@EXAMPLE.com", order_number="ORD-9")
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.order, ticket.contact_email) == (None, None, "ali@example.com")
    assert not victim.tickets.exists()
    # The acknowledgement goes to the address the writer gave, and says nothing of the customer's record.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ali@example.com"]
    assert victim.first_name not in mail.outbox[0].body and "ORD-9" not in mail.outbox[0].body


def test_a_reply_from_the_typed_address_proves_it_and_links_the_customer(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(email="ali@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("aftersales:contact"), contact_data(email="ali@EXAMPLE.com"))
    ticket = Ticket.objects.get()
    assert ticket.customer is None

    reply = raw_mail(sender="Ali <ALI@example.com>", subject=f"Re: [#{ticket.pk}] Question", body="Also to Tabriz?")
    assert post_mail(client, reply).status_code == 202

    ticket.refresh_from_db()
    assert ticket.customer == customer
    assert Ticket.objects.count() == 1 and ticket.messages.filter(body="Also to Tabriz?").exists()


def test_a_reply_from_another_address_links_no_one(client, django_capture_on_commit_callbacks):
    CustomerFactory(email="ali@example.com")
    CustomerFactory(email="mallory@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("aftersales:contact"), contact_data(email="ali@example.com"))
    ticket = Ticket.objects.get()

    post_mail(client, raw_mail(sender="mallory@example.com", subject=f"Re: [#{ticket.pk}] Question"))

    ticket.refresh_from_db()
    assert ticket.customer is None


@pytest.mark.parametrize("address", ["ali@localhost", '"ali"@example.com', "ali@[127.0.0.1]"])
def test_the_web_form_refuses_an_address_that_cannot_receive_mail(client, address):
    response = client.post(reverse("aftersales:contact"), contact_data(email=address))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [f"“{address}” is not a valid e-mail address."]
    assert "is not a valid e-mail address" in response.content.decode()
    assert not Ticket.objects.exists()


DSN = (
    b"From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
    b"To: news@shop.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"Message-ID: <dsn1@mx.example.net>\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
    b"MIME-Version: 1.0\r\n\r\n"
    b"--b1\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n"
    b"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
    b"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    b"--b1--\r\n"
)
ARF = (
    b"From: fbl@mailbox-provider.example\r\n"
    b"To: abuse@shop.example\r\n"
    b"Subject: Complaint about message\r\n"
    b"Message-ID: <arf1@mailbox-provider.example>\r\n"
    b'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"\r\n'
    b"MIME-Version: 1.0\r\n\r\n"
    b"--b2\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
    b"--b2\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n\r\n"
    b"--b2--\r\n"
)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (DSN, "delivery report"),
        (ARF, "complaint report"),
        (raw_mail(Message_ID="<ooo@example.com>", Auto_Submitted="auto-replied"), "Auto-Submitted"),
        (raw_mail(Message_ID="<list@example.com>", Precedence="bulk"), "Precedence: bulk"),
    ],
)
def test_automatic_mail_is_kept_but_never_a_ticket_and_never_answered(
    client, django_capture_on_commit_callbacks, raw, reason
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_mail(client, raw)

    assert response.status_code == 202
    stored = InboundMail.objects.get()
    assert stored.ticket is None and reason in stored.error
    assert not Ticket.objects.exists()
    assert mail.outbox == []


def test_one_automatic_answer_per_address_a_day_and_none_to_robots(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.ticket_acknowledge(ticket_id=TicketFactory(contact_email="ali@example.com").pk)
        second = services.ticket_acknowledge(ticket_id=TicketFactory(contact_email="Ali@example.com").pk)
        robot = services.ticket_acknowledge(ticket_id=TicketFactory(contact_email="no-reply@example.com").pk)

    assert (first, second, robot) == (True, False, False)
    assert [m.to for m in mail.outbox] == [["ali@example.com"]]


def test_an_unsubscribe_request_by_email_withdraws_consent_and_opens_no_ticket(client, settings):
    from urllib.parse import unquote

    from campaigns.services.sending.render import customer_urls
    from customers.models import Consent
    from customers.services import consent_set

    settings.CAMPAIGNS_UNSUBSCRIBE_EMAIL = "unsubscribe@shop.example"
    customer = CustomerFactory(email="reza@example.com")
    consent_set(customer=customer, channel="email", granted=True, source="checkout")
    mailto = customer_urls(customer.pk)["unsubscribe_mailto"]
    assert mailto.startswith("mailto:unsubscribe@shop.example?subject=")
    subject = unquote(mailto.partition("subject=")[2])

    forged = post_mail(client, raw_mail(subject="unsubscribe 1:forged", Message_ID="<u0@example.com>"))
    response = post_mail(client, raw_mail(subject=subject, Message_ID="<u1@example.com>"))

    assert forged.status_code == response.status_code == 202
    assert not Consent.objects.get(customer=customer, channel="email").granted
    request = InboundMail.objects.get(message_id="<u1@example.com>")
    assert request.ticket is None and request.handled_at is not None
    assert Ticket.objects.count() == 1  # the forged one is an ordinary message
