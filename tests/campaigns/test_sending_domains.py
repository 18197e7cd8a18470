"""Sending domains as a marketer sets them up: the records to publish, a key activated only once DNS shows it,
rotation without a gap, and an admin that never shows a private key."""

import re
import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import DkimKey, DkimKeyStatus, Sender, SendingDomain
from campaigns.selectors import sending_domain_dns_records
from campaigns.services.domains import (
    dkim_key_activate,
    dkim_key_check_published,
    dkim_key_rotate,
    sending_domain_create,
)
from campaigns.tasks import retire_dkim_keys
from cycle.demo.sending import demo_sending_identity

pytestmark = pytest.mark.django_db


class DnsServer:
    """A real DNS server on 127.0.0.1 (UDP) answering TXT questions from ``zone``: name → list of records, each
    a list of strings; any other name is NXDOMAIN."""

    def __init__(self):
        self.zone = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def publish(self, name, *records):
        self.zone[name.rstrip(".").lower() + "."] = [list(record) for record in records]

    def _serve(self):
        while self.running:
            try:
                wire, client = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            question = query.question[0]
            records = self.zone.get(question.name.to_text().lower())
            if records is None:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                texts = [" ".join(f'"{part}"' for part in record) for record in records]
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "TXT", *texts))
            self.sock.sendto(response.to_wire(), client)

    def stop(self):
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def dns_server(settings):
    server = DnsServer()
    settings.DNS_RESOLVERS = f"127.0.0.1:{server.port}"
    yield server
    server.stop()


def dkim_record(key):
    return next(r for r in sending_domain_dns_records(domain=key.domain) if r.name.startswith(f"{key.selector}."))


def test_a_new_domain_is_stored_in_idna_with_a_pending_2048_bit_key():
    domain = sending_domain_create(domain="فروشگاه.ایران")

    assert domain.domain == "xn--mgbtj4c7ad63e.xn--mgba3a4f16a"
    key = domain.dkim_keys.get()
    assert key.status == DkimKeyStatus.PENDING
    assert re.fullmatch(r"em\d{6}[a-z]", key.selector)
    record = dkim_record(key)
    assert record.type == "TXT" and record.value.startswith("v=DKIM1; k=rsa; p=MIIBIjAN")  # RSA 2048 SPKI
    with pytest.raises(ValidationError):
        sending_domain_create(domain="XN--MGBTJ4C7AD63E.xn--mgba3a4f16a.")
    for bad in ("localhost", "not a domain", "shop"):
        with pytest.raises(ValidationError):
            sending_domain_create(domain=bad)


def test_long_txt_values_are_split_into_strings_of_at_most_255_characters():
    key = sending_domain_create(domain="shop.example").dkim_keys.get()
    record = dkim_record(key)

    assert len(record.value) > 255
    assert len(record.strings) == 2 and all(len(part) <= 255 for part in record.strings)
    assert "".join(record.strings) == record.value
    assert record.zone_line.startswith(f'{key.selector}._domainkey.shop.example. 3600 IN TXT "v=DKIM1;')


def test_a_key_is_activated_only_once_dns_publishes_it(dns_server, settings):
    settings.DKIM_KEY_RETIRE_DAYS = 7
    domain = sending_domain_create(domain="shop.example")
    first = domain.dkim_keys.get()

    with pytest.raises(ValidationError, match="does not show this key yet"):
        dkim_key_activate(key=first)
    other = sending_domain_create(domain="other.example").dkim_keys.get()
    dns_server.publish(str(first), dkim_record(other).strings)  # another key's record at this name
    assert not dkim_key_check_published(key=first)

    dns_server.publish(str(first), dkim_record(first).strings)
    assert dkim_key_check_published(key=first)
    assert dkim_key_activate(key=first) is True
    assert dkim_key_activate(key=first) is False  # again: nothing to do

    second = dkim_key_rotate(domain=domain)
    assert dkim_key_rotate(domain=domain) == second  # one pending key to publish, however often asked
    dns_server.publish(str(second), dkim_record(second).strings)
    dkim_key_activate(key=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (DkimKeyStatus.RETIRING, DkimKeyStatus.ACTIVE)
    assert (first.retire_after - second.activated_at).days == 7
    assert list(first.status_changes.values_list("to_status", flat=True)) == ["retiring", "active"]


def test_the_daily_job_retires_keys_past_their_date(settings):
    settings.DKIM_KEY_RETIRE_DAYS = 0
    domain = sending_domain_create(domain="shop.example")
    first = domain.dkim_keys.get()
    dkim_key_activate(key=first, require_published=False)
    dkim_key_activate(key=dkim_key_rotate(domain=domain), require_published=False)

    assert retire_dkim_keys.delay().get() == 1
    first.refresh_from_db()
    assert first.status == DkimKeyStatus.RETIRED and first.private_key_encrypted == "" and first.retired_at


def test_spf_dmarc_and_return_path_records(settings):
    domain = sending_domain_create(domain="shop.example")
    records = {(r.name, r.type): r for r in sending_domain_dns_records(domain=domain)}
    assert records[("shop.example", "TXT")].value == "v=spf1 mx -all"
    assert records[("_dmarc.shop.example", "TXT")].value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@shop.example"
    assert not any(kind == "MX" for _name, kind in records)

    settings.CAMPAIGNS_SPF_INCLUDE = "relay.example ip4:203.0.113.5"
    settings.CAMPAIGNS_RETURN_PATH = "bounces@bounces.shop.example"
    settings.CAMPAIGNS_BOUNCE_MX = "mx.bounces.example"
    records = {(r.name, r.type): r for r in sending_domain_dns_records(domain=domain)}
    spf = "v=spf1 include:relay.example ip4:203.0.113.5 -all"
    assert records[("shop.example", "TXT")].value == spf
    assert records[("bounces.shop.example", "MX")].value == "10 mx.bounces.example."
    assert records[("bounces.shop.example", "TXT")].value == spf
    assert "also counts for DMARC" in records[("bounces.shop.example", "TXT")].why


def test_the_admin_adds_a_domain_shows_its_records_and_never_a_private_key(admin_client, dns_server):
    formset = {"dkim_keys-TOTAL_FORMS": "0", "dkim_keys-INITIAL_FORMS": "0"}
    response = admin_client.post(reverse("admin:campaigns_sendingdomain_add"), {"domain": "Shop.Example", **formset})
    assert response.status_code == 302
    domain = SendingDomain.objects.get(domain="shop.example")
    key = domain.dkim_keys.get()

    pages = [
        admin_client.get(reverse("admin:campaigns_sendingdomain_change", args=[domain.pk])),
        admin_client.get(reverse("admin:campaigns_dkimkey_change", args=[key.pk])),
        admin_client.get(reverse("admin:campaigns_dkimkey_changelist")),
    ]
    html = pages[0].content.decode()
    assert "DNS records to publish" in html and dkim_record(key).strings[1] in html
    assert "v=DMARC1; p=none" in html
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert key.private_key_encrypted[:40] not in text and "PRIVATE KEY" not in text

    changelist = reverse("admin:campaigns_sendingdomain_changelist")
    action = {"_selected_action": [domain.pk]}
    response = admin_client.post(changelist, {**action, "action": "activate_pending_key"}, follow=True)
    assert "does not show this key yet" in response.content.decode()
    dns_server.publish(str(key), dkim_record(key).strings)
    response = admin_client.post(changelist, {**action, "action": "check_dns"}, follow=True)
    assert "published" in response.content.decode()
    admin_client.post(changelist, {**action, "action": "activate_pending_key"})
    admin_client.post(changelist, {**action, "action": "rotate_key"})
    assert list(domain.dkim_keys.order_by("created_at").values_list("status", flat=True)) == ["active", "pending"]


def test_one_default_sender(admin_client):
    Sender.objects.create(name="Shop", from_email="news@shop.example", is_default=True)
    response = admin_client.post(
        reverse("admin:campaigns_sender_add"),
        {"name": "Tea", "from_email": "tea@shop.example", "is_default": "on", "display_name_en": "Tea"},
    )
    assert response.status_code == 200 and "Another sender is the default" in response.content.decode()
    with pytest.raises(ValidationError):
        Sender(name="Bad", from_email="not an address").full_clean()


def test_the_demo_company_signs_its_mail_and_has_a_default_sender_once(settings):
    settings.CAMPAIGNS_FROM_EMAIL = ""
    settings.DEFAULT_FROM_EMAIL = "marketing@example.com"
    demo_sending_identity()
    demo_sending_identity()

    domain = SendingDomain.objects.get()
    assert domain.domain == "example.com"
    assert list(DkimKey.objects.values_list("status", flat=True)) == [DkimKeyStatus.ACTIVE]
    sender = Sender.objects.get()
    assert sender.is_default and sender.from_email == "marketing@example.com"
    assert sender.display_name_fa and sender.display_name_ar and sender.display_name_en
