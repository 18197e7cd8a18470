"""The customer's own page: sign-in by e-mail link or SMS code, what the page shows, and nothing of anyone else."""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from aftersales.account.views import COOKIE
from aftersales.models import TicketChannel
from campaigns.models import SmsMessage
from customers.models import Occasion, OccasionKind
from tests.aftersales.factories import ReviewFactory, TicketFactory, TicketMessageFactory
from tests.customers.factories import CustomerFactory, OccasionFactory
from tests.orders.factories import OrderFactory, OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/me/"
HOME = "/me/home/"


def link_in_mail() -> str:
    match = re.search(r"https?://\S+/me/link/[^/\s]+/", mail.outbox[-1].body)
    assert match
    return match.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.fixture
def sign_in_by_mail(django_capture_on_commit_callbacks):
    def sign_in(client, customer) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(SIGN_IN, {"address": customer.email})
        response = client.post(link_in_mail())
        assert response.status_code == 302 and response["Location"] == HOME

    return sign_in


def test_magic_link_signs_in_once(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory(first_name="Ada")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGN_IN, {"address": customer.email.upper()})
    assert "Check your e-mail" in response.text
    assert mail.outbox[0].to == [customer.email]
    link = link_in_mail()
    assert client.get(link).status_code == 200  # opening the link (a mail scanner) does not sign in
    assert client.get(HOME)["Location"] == SIGN_IN
    response = client.post(link)
    assert response["Location"] == HOME
    assert "Hello Ada" in client.get(HOME).text
    client.cookies.pop(COOKIE)
    assert client.post(link).status_code == 400  # single use
    assert client.get(HOME)["Location"] == SIGN_IN


def test_unknown_address_gets_the_same_answer(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(SIGN_IN, {"address": customer.email})
        unknown = client.post(SIGN_IN, {"address": "nobody@example.com"})
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')
    assert known.status_code == unknown.status_code == 200
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert len(mail.outbox) == 1


def test_expired_link_is_refused(client, monkeypatch, settings, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGN_IN, {"address": customer.email})
    later = time.time() + settings.ACCOUNT_LINK_MAX_AGE + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert client.post(link_in_mail()).status_code == 400


def test_tampered_link_and_cookie_are_refused(client, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGN_IN, {"address": customer.email})
    assert client.post(link_in_mail().replace("/me/link/", "/me/link/x")).status_code == 400
    client.cookies[COOKIE] = "1:forged:signature"
    assert client.get(HOME)["Location"] == SIGN_IN


def _code_sent(customer) -> str:
    message = SmsMessage.objects.get(customer=customer)
    match = re.search(r"\d{6}", message.text)
    assert match
    return match.group(0)


def test_sms_code_signs_in(client):
    customer = CustomerFactory(first_name="Bahar")
    response = client.post(SIGN_IN, {"address": customer.phone})
    assert "Enter your code" in response.text
    code = _code_sent(customer)
    response = client.post("/me/code/", {"phone": customer.phone, "code": code})
    assert response["Location"] == HOME
    assert "Hello Bahar" in client.get(HOME).text
    client.cookies.pop(COOKIE)
    assert client.post("/me/code/", {"phone": customer.phone, "code": code}).status_code == 400  # used up


def test_sms_code_persian_digits_are_accepted(client):
    customer = CustomerFactory(persian=True)
    client.post(SIGN_IN, {"address": customer.phone})
    code = _code_sent(customer).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert client.post("/me/code/", {"phone": customer.phone, "code": code})["Location"] == HOME


def test_sms_code_is_void_after_too_many_wrong_tries(client, settings):
    customer = CustomerFactory()
    client.post(SIGN_IN, {"address": customer.phone})
    code = _code_sent(customer)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(settings.ACCOUNT_CODE_ATTEMPTS):
        response = client.post("/me/code/", {"phone": customer.phone, "code": wrong})
        assert response.status_code == 400
    assert client.post("/me/code/", {"phone": customer.phone, "code": code}).status_code == 400
    assert client.get(HOME)["Location"] == SIGN_IN


def test_unknown_phone_sends_nothing_and_looks_the_same(client):
    CustomerFactory(phone="+989120000001")
    response = client.post(SIGN_IN, {"address": "+989129999999"})
    assert "Enter your code" in response.text
    assert not SmsMessage.objects.exists()


def test_sign_in_requests_are_limited_per_address(client, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNT_ADDRESS_LIMIT = 2
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert client.post(SIGN_IN, {"address": customer.email}).status_code == 200
        assert client.post(SIGN_IN, {"address": customer.email}).status_code == 429
    assert len(mail.outbox) == 2


def test_sign_in_requests_are_limited_per_ip(client, settings):
    settings.ACCOUNT_IP_LIMIT = 2
    for n in range(2):
        assert client.post(SIGN_IN, {"address": f"someone{n}@example.com"}).status_code == 200
    assert client.post(SIGN_IN, {"address": "another@example.com"}).status_code == 429


def test_sign_out(client, sign_in_by_mail):
    customer = CustomerFactory()
    sign_in_by_mail(client, customer)
    client.post("/me/sign-out/")
    assert client.get(HOME)["Location"] == SIGN_IN


def _data_of(customer):
    order = OrderFactory(customer=customer, number=f"N-{customer.pk}")
    OrderLineFactory(order=order, product__name=f"Product of {customer.pk}", quantity=3)
    ShipmentFactory(order=order, tracking_number=f"TRK{customer.pk}")
    ticket = TicketFactory(customer=customer, subject=f"Ticket of {customer.pk}", channel=TicketChannel.CHAT)
    TicketMessageFactory(ticket=ticket, body=f"Chat line of {customer.pk}")
    ReviewFactory(customer=customer, body=f"Review of {customer.pk}")
    return OccasionFactory(customer=customer, kind=OccasionKind.BIRTHDAY, month=3, day=21)


def test_page_shows_own_data_only(client, sign_in_by_mail):
    me, other = CustomerFactory(), CustomerFactory()
    _data_of(me)
    _data_of(other)
    sign_in_by_mail(client, me)
    page = client.get(HOME).text
    for text in ("N-{}", "Product of {}", "TRK{}", "Ticket of {}", "Chat line of {}", "Review of {}"):
        assert text.format(me.pk) in page
        assert text.format(other.pk) not in page
    assert reverse("campaigns:preferences", args=["x"]).rsplit("x", 1)[0] in page


def test_occasions_add_change_delete_and_never_anothers(client, sign_in_by_mail):
    me, other = CustomerFactory(), CustomerFactory()
    theirs = OccasionFactory(customer=other, kind=OccasionKind.BIRTHDAY, month=5, day=5)
    sign_in_by_mail(client, me)
    response = client.post("/me/occasions/new/", {"kind": "birthday", "month": 2, "day": 30})
    assert response.status_code == 200 and "That month has no such day." in response.text
    response = client.post("/me/occasions/new/", {"kind": "birthday", "month": 2, "day": 29, "year": 2001})
    assert "2001 was not a leap year." in response.text
    response = client.post("/me/occasions/new/", {"kind": "birthday", "month": 2, "day": 29, "year": 2000})
    assert response.status_code == 302
    mine = Occasion.objects.get(customer=me)
    response = client.post("/me/occasions/new/", {"kind": "birthday", "month": 3, "day": 1})
    assert response.status_code == 200  # one birthday each
    assert Occasion.objects.filter(customer=me).count() == 1
    client.post(f"/me/occasions/{mine.pk}/", {"kind": "wedding_anniversary", "month": 6, "day": 1})
    mine.refresh_from_db()
    assert (mine.kind, mine.month, mine.day) == ("wedding_anniversary", 6, 1)
    assert client.get(f"/me/occasions/{theirs.pk}/").status_code == 404
    assert client.post(f"/me/occasions/{theirs.pk}/", {"kind": "birthday", "month": 1, "day": 1}).status_code == 404
    assert client.post(f"/me/occasions/{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.customer_id, theirs.month, theirs.day) == (other.pk, 5, 5)
    assert client.post(f"/me/occasions/{mine.pk}/delete/").status_code == 302
    assert not Occasion.objects.filter(customer=me).exists()


def test_persian_customer_page_is_rtl_with_persian_digits(client, sign_in_by_mail):
    me = CustomerFactory(persian=True)
    _data_of(me)
    sign_in_by_mail(client, me)
    page = client.get(HOME).text
    assert 'dir="rtl"' in page and 'lang="fa"' in page
    assert "× ۳" in page  # the quantity in Persian digits


def test_page_query_count_does_not_grow_with_data(client, django_assert_num_queries, sign_in_by_mail):
    me = CustomerFactory()
    sign_in_by_mail(client, me)
    _data_of(me)
    with django_assert_num_queries(8) as few:
        client.get(HOME)
    for _ in range(4):
        order = OrderFactory(customer=me)
        OrderLineFactory(order=order)
        ShipmentFactory(order=order)
        TicketMessageFactory(ticket__customer=me)
        ReviewFactory(customer=me)
    with django_assert_num_queries(len(few.captured_queries)):  # the customer, then one query per list
        client.get(HOME)


def test_choices_and_data_links_open_the_customers_own_preference_centre(client, sign_in_by_mail):
    me = CustomerFactory(first_name="Dara")
    sign_in_by_mail(client, me)
    page = client.get(HOME).text
    match = re.search(r'href="(/t/p/[^"#]+/)#my-data"', page)
    assert match
    preferences = client.get(match.group(1))
    assert preferences.status_code == 200
    assert "Hello Dara" in preferences.text and 'id="my-data"' in preferences.text
    assert 'id="delete-my-data"' in preferences.text


def test_a_sign_in_code_reaches_a_customer_without_sms_consent_even_in_the_quiet_hours(client, settings, tmp_path):
    """A code the customer asks for is not marketing: neither SMS consent nor the quiet hours hold it back, while a
    journey's SMS to the same customer waits and fails for want of consent."""
    from campaigns.models import MessageStatus, SmsOrigin
    from campaigns.services.sms import sms_message_enqueue
    from campaigns.services.sms.sending import sms_send_due

    settings.SMS_PROVIDER = "console"
    settings.SMS_CONSOLE_FILE = str(tmp_path / "outbox.jsonl")
    settings.CAMPAIGNS_QUIET_HOURS_START, settings.CAMPAIGNS_QUIET_HOURS_END = "00:00", "23:59"  # always quiet
    customer = CustomerFactory(first_name="Bahar")  # no SMS consent
    client.post(SIGN_IN, {"address": customer.phone})
    sms_message_enqueue(customer=customer, text="A newsletter", key="journey:1:1")

    sms_send_due()

    code = SmsMessage.objects.get(origin=SmsOrigin.REQUESTED)
    assert code.status == MessageStatus.SENT
    assert code.text in (tmp_path / "outbox.jsonl").read_text()
    assert SmsMessage.objects.get(key="journey:1:1").status == MessageStatus.FAILED
