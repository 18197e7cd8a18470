"""The bytes a customer's message travels as: CRLF everywhere (mail servers refuse bare line feeds), headers that
parse back to what was written, a Message-ID on the sender's own domain."""

import email
import email.policy
import random
import re
from email.header import decode_header, make_header

from campaigns.services.sending.mime import header_address, message_bytes
from campaigns.services.sending.render import Rendered

PERSIAN_SUBJECT = "پیشنهاد ویژهٔ زمستان برای مشتریان وفادار فروشگاه زعفران و چای ایرانی — فقط تا پایان هفته"
DASHED_SUBJECT = "Winter offer for our most loyal customers – saffron, tea and sweets until the end of this week"


def _message(subject, *, html=True, from_email="Saffron Shop <news@shop.example>"):
    rendered = Rendered(
        subject=subject,
        html="<p>سلام</p>" if html else "",
        text="سلام",
        headers={"List-Unsubscribe": "<https://shop.example/u/abc>", "Content-Language": "fa"},
    )
    return message_bytes(rendered, from_email=from_email, to="zahra@example.com")


def test_long_non_ascii_subjects_fold_with_crlf_and_parse_back():
    for subject in (PERSIAN_SUBJECT, DASHED_SUBJECT):
        for html in (True, False):
            data = _message(subject, html=html)

            assert re.search(rb"(?<!\r)\n", data) is None, "a bare line feed"
            assert max(len(line) for line in data.split(b"\r\n")) <= 998
            parsed = email.message_from_bytes(data, policy=email.policy.default)
            assert parsed.defects == []
            assert all(part.defects == [] for part in parsed.walk())
            assert parsed["Subject"] == subject
            assert parsed.get_body(("plain",)).get_content().strip() == "سلام"


def test_the_message_id_is_made_on_the_senders_domain():
    parsed = email.message_from_bytes(_message("Hello"), policy=email.policy.default)

    assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", parsed["Message-ID"])


def test_the_senders_persian_name_and_the_unsubscribe_list_read_back_as_written():
    long_url = "https://shop.example/t/u/123:" + "a" * 60 + "/"
    mailto = "mailto:unsubscribe@shop.example?subject=unsubscribe%20123%3A" + "b" * 40
    rendered = Rendered(
        subject="سلام",
        html="<p>سلام</p>",
        text="سلام",
        headers={
            "List-Unsubscribe": f"<{long_url}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    data = message_bytes(rendered, from_email="فروشگاه زعفران <news@shop.example>", to="zahra@example.com")

    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name == "فروشگاه زعفران"
    assert parsed["From"].addresses[0].addr_spec == "news@shop.example"
    # Folded between its entries, never turned into encoded words: a mail client must read the URIs.
    assert b"=?utf-8?" not in data.split(b"List-Unsubscribe-Post")[0].split(b"List-Unsubscribe:")[1]
    assert "".join(str(parsed["List-Unsubscribe"]).split()) == f"<{long_url}>,<{mailto}>"
    assert re.search(rb"\r\nDate: .* \+0000\r\n", data)


def test_a_message_without_html_is_one_plain_part_and_with_html_has_both():
    plain = email.message_from_bytes(_message("Hello", html=False), policy=email.policy.default)
    both = email.message_from_bytes(_message("Hello"), policy=email.policy.default)

    assert plain.get_content_type() == "text/plain"
    assert both.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in both.iter_parts()] == ["text/plain", "text/html"]
    assert both["Content-Language"] == "fa"


def test_an_internationalised_recipient_is_written_in_utf8_for_smtputf8():
    rendered = Rendered(subject=PERSIAN_SUBJECT, html="", text="سلام")
    data = message_bytes(rendered, from_email="فروشگاه <news@shop.example>", to="زهرا@example.com", utf8=True)

    assert "To: زهرا@example.com\r\n".encode() in data
    assert re.search(rb"(?<!\r)\n", data) is None
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["Subject"] == PERSIAN_SUBJECT
    assert parsed.defects == []


WORDS = (  # noqa: SIM905 - the words read more easily as text
    "سلام حراج بزرگ بهاره‌ی فروشگاه آغاز شد تا سی درصد تخفیف روی همه‌ی محصولات ارسال رایگان برای خریدهای بالای یک "
    "میلیون تومان و هدیه‌ی ویژه – Spring sale 30% off for you مرحبا بكم في متجرنا"
).split()


def test_every_space_of_a_subject_and_a_senders_name_survives_folding():
    """Subjects and names of 1 to 30 words, Persian, Arabic and English mixed, written for a 7-bit server
    (encoded words) and for SMTPUTF8 (UTF-8): each reads back exactly, spaces included, with CRLF only."""
    rng = random.Random(2)
    for _i in range(600):
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
        for utf8 in (False, True):
            data = message_bytes(
                Rendered(subject=subject, html="", text="x"),
                from_email=f"{name} <news@shop.example>",
                to="sara@example.com",
                utf8=utf8,
            )
            assert re.search(rb"(?<!\r)\n", data) is None
            parsed = (
                email.message_from_string(data.decode(), policy=email.policy.default)
                if utf8
                else email.message_from_bytes(data, policy=email.policy.default)
            )
            assert parsed["Subject"] == subject
            (sender,) = parsed["From"].addresses
            assert sender.addr_spec == "news@shop.example"
            # As RFC 2047 decodes it (Python's own parser keeps a space between two adjacent encoded words).
            raw_from = email.message_from_bytes(data, policy=email.policy.compat32)["From"]
            shown = sender.display_name if utf8 else str(make_header(decode_header(raw_from)))
            assert shown.startswith(f"{name} <") or shown == name


def test_a_long_persian_sender_name_keeps_its_spaces_on_the_way_the_pipeline_writes_it():
    """The pipeline hands the sender through ``header_address``; encoding the name there too had the package refold
    encoded words, which lost the space at a word boundary (about one long name in three)."""
    rng = random.Random(5)
    for _i in range(200):
        name = " ".join(rng.choice(WORDS[:20]) for _ in range(rng.randint(6, 20)))
        data = message_bytes(
            Rendered(subject="x", html="", text="x"),
            from_email=header_address(f"{name} <news@shop.example>"),
            to="sara@example.com",
        )
        assert re.search(rb"(?<!\r)\n", data) is None
        raw_from = email.message_from_bytes(data, policy=email.policy.compat32)["From"]
        assert str(make_header(decode_header(raw_from))).startswith(f"{name} <")
