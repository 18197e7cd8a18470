"""DKIM signatures that a receiver verifies: dkimpy's own verifier checks what ``Signer.sign`` makes, against the
TXT record the domain's page tells the marketer to publish; any change on the way breaks it."""

import re

import dkim
import pytest
from cryptography.fernet import Fernet
from dkim.canonicalization import CanonicalizationPolicy
from dkim.util import parse_tag_value

from campaigns.models import DkimKey, DkimKeyStatus
from campaigns.selectors import sending_domain_dns_records
from campaigns.services.domains import (
    dkim_key_activate,
    dkim_key_problem,
    dkim_key_rotate,
    dkim_keys_retire,
    sending_domain_create,
)
from campaigns.services.sending.dkim import dkim_keyring, relaxed_body, signer_cache_clear, signer_for
from campaigns.services.sending.mime import message_bytes
from campaigns.services.sending.render import Rendered
from emarketing.encryption import UnreadableSecret

pytestmark = pytest.mark.django_db

FROM = "Saffron Shop <news@shop.example>"
SUBJECT = "پیشنهاد ویژهٔ زمستان برای مشتریان وفادار فروشگاه زعفران و چای ایرانی — فقط تا پایان این هفته، با ارسال رایگان"


@pytest.fixture(autouse=True)
def _fresh_signers():
    signer_cache_clear()
    yield
    signer_cache_clear()


@pytest.fixture
def domain(django_capture_on_commit_callbacks):
    domain = sending_domain_create(domain="shop.example")
    with django_capture_on_commit_callbacks(execute=True):
        dkim_key_activate(key=domain.dkim_keys.get(), require_published=False)
    return domain


def persian_message():
    rendered = Rendered(
        subject=SUBJECT,
        html="<p dir='rtl'>سلام زهرا، زعفران تازه رسید.</p>" * 40,
        text="سلام زهرا، زعفران تازه رسید.\n" * 40,
        headers={
            "List-Unsubscribe": "<https://shop.example/u/abc123>, <mailto:unsubscribe@shop.example?subject=abc123>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": "fa",
        },
    )
    return message_bytes(rendered, from_email=FROM, to="zahra@example.com")


def published(domain):
    """A resolver as dkimpy calls one: the TXT records of the domain's page, their strings joined as DNS does."""

    def dnsfunc(name, timeout=5):
        records = {
            f"{r.name}.": "".join(r.strings) for r in sending_domain_dns_records(domain=domain) if r.type == "TXT"
        }
        return records.get(name.decode("ascii"), "").encode("ascii") or None

    return dnsfunc


def test_a_signed_persian_multipart_message_verifies(domain):
    message = persian_message()
    assert b"\r\n " in message.split(b"\r\n\r\n")[0], "the Subject is folded"

    header = signer_for(FROM).sign(message)

    assert dkim.verify(header + message, dnsfunc=published(domain))
    tags = parse_tag_value(header.split(b":", 1)[1])
    signed = [name.strip() for name in re.sub(rb"\s+", b"", tags[b"h"]).split(b":")]
    assert signed.count(b"from") == 2
    for name in (b"to", b"subject", b"date", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post"):
        assert name in signed
    assert tags[b"c"] == b"relaxed/relaxed" and tags[b"a"] == b"rsa-sha256" and tags[b"d"] == b"shop.example"
    assert int(tags[b"t"]) > 0


def test_a_changed_body_byte_or_subject_fails(domain):
    message = persian_message()
    signed = signer_for(FROM).sign(message) + message
    head, body = signed.split(b"\r\n\r\n", 1)
    index = body.index(b"\r\n\r\n") + 10  # a byte of the first part's base64
    changed_body = (
        head + b"\r\n\r\n" + body[:index] + (b"A" if body[index : index + 1] != b"A" else b"B") + body[index + 1 :]
    )
    changed_subject = re.sub(rb"Subject: [^\r]*", b"Subject: You won a prize", signed, count=1)

    assert dkim.verify(signed, dnsfunc=published(domain))
    assert not dkim.verify(changed_body, dnsfunc=published(domain))
    assert not dkim.verify(changed_subject, dnsfunc=published(domain))


def test_a_second_from_added_on_the_way_fails(domain):
    message = persian_message()
    header = signer_for(FROM).sign(message)
    head, body = message.split(b"\r\n\r\n", 1)

    added_below = header + head + b"\r\nFrom: Bank <security@bank.example>\r\n\r\n" + body
    added_above = header + b"From: Bank <security@bank.example>\r\n" + message

    assert not dkim.verify(added_below, dnsfunc=published(domain))
    assert not dkim.verify(added_above, dnsfunc=published(domain))


def test_the_signature_header_has_crlf_line_endings_and_short_lines(domain):
    header = signer_for(FROM).sign(persian_message())

    assert header.startswith(b"DKIM-Signature: ") and header.endswith(b"\r\n")
    assert re.search(rb"(?<!\r)\n|\r(?!\n)", header) is None
    lines = header[:-2].split(b"\r\n")
    assert len(lines) > 1 and all(line[:1] in (b" ", b"\t") for line in lines[1:])
    assert max(len(line) for line in lines) <= 998


def test_rotation_keeps_mail_in_flight_verifiable_until_the_key_is_retired(
    domain, settings, django_capture_on_commit_callbacks
):
    settings.DKIM_KEY_RETIRE_DAYS = 7
    old_key = domain.dkim_keys.get(status=DkimKeyStatus.ACTIVE)
    message = persian_message()
    in_flight = signer_for(FROM).sign(message) + message

    new_key = dkim_key_rotate(domain=domain)
    assert new_key.selector != old_key.selector
    with django_capture_on_commit_callbacks(execute=True):
        dkim_key_activate(key=new_key, require_published=False)
    old_key.refresh_from_db()

    new_signer = signer_for(FROM)
    assert new_signer.selector == new_key.selector
    assert old_key.status == DkimKeyStatus.RETIRING
    assert dkim.verify(in_flight, dnsfunc=published(domain)), "the retiring key is still published"
    assert dkim.verify(new_signer.sign(message) + message, dnsfunc=published(domain))

    assert dkim_keys_retire(now=old_key.retire_after) == 1
    assert dkim_keys_retire(now=old_key.retire_after) == 0
    old_key.refresh_from_db()
    assert old_key.status == DkimKeyStatus.RETIRED and old_key.private_key_encrypted == ""
    names = [record.name for record in sending_domain_dns_records(domain=domain)]
    assert f"{old_key.selector}._domainkey.shop.example" not in names
    assert not dkim.verify(in_flight, dnsfunc=published(domain))


def test_other_processes_pick_up_a_new_key_when_their_cache_expires(domain, settings):
    settings.DKIM_SIGNER_CACHE_SECONDS = 0
    first = signer_for(FROM).selector
    new_key = dkim_key_rotate(domain=domain)
    dkim_key_activate(key=new_key, require_published=False)  # not committed: this process's cache is not cleared

    assert signer_for(FROM).selector == new_key.selector != first


def test_a_subdomain_signs_with_its_parent_domain_and_other_domains_not_at_all(domain):
    assert signer_for("news@mail.shop.example").domain == "shop.example"
    assert signer_for("someone@other.example") is None
    assert signer_for("not an address") is None


def test_the_private_key_is_stored_encrypted(domain):
    key = DkimKey.objects.get(domain=domain)
    pem = dkim_keyring().decrypt(key.private_key_encrypted)

    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert "PRIVATE KEY" not in key.private_key_encrypted
    assert pem.split("\n")[1] not in key.private_key_encrypted


def test_a_wrong_encryption_key_gives_a_clear_error_and_sending_goes_on_unsigned(domain, settings, caplog):
    settings.DKIM_KEY_ENCRYPTION_KEYS = Fernet.generate_key().decode()
    key = DkimKey.objects.get(domain=domain)

    with pytest.raises(UnreadableSecret, match="DKIM_KEY_ENCRYPTION_KEYS"):
        dkim_keyring().decrypt(key.private_key_encrypted)
    assert signer_for(FROM) is None
    assert "cannot be used, mail goes unsigned" in caplog.text
    assert "DKIM_KEY_ENCRYPTION_KEYS" in dkim_key_problem(key=key)


def test_the_encryption_key_itself_can_be_rotated(domain, settings):
    key = DkimKey.objects.get(domain=domain)
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DKIM_KEY_ENCRYPTION_KEYS = old
    token = dkim_keyring().encrypt("secret")

    settings.DKIM_KEY_ENCRYPTION_KEYS = f"{new},{old}"
    assert dkim_keyring().decrypt(token) == "secret"
    rotated = dkim_keyring().rotate(token)

    settings.DKIM_KEY_ENCRYPTION_KEYS = new
    assert dkim_keyring().decrypt(rotated) == "secret"
    with pytest.raises(UnreadableSecret):
        dkim_keyring().decrypt(token)
    assert key.private_key_encrypted  # the derived key (empty setting) wrote it; shown unreadable now
    assert dkim_key_problem(key=key)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\r\n",
        b"\r\n\r\n\r\n",
        b"abc\r\n",
        b"abc",
        b"PGh0bWw+\r\nPGJvZHk+\r\n\r\n\r\n",
        b"a  b\t c \r\nd\t\r\n\r\n",
        b"one two\r\n three \r\n",
        b'--b\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nSGVsbG8=\r\n--b--\r\n',
    ],
)
def test_the_body_is_canonicalised_as_dkimpy_does(body):
    assert relaxed_body(body) == CanonicalizationPolicy.from_c_value(b"relaxed/relaxed").canonicalize_body(body)
