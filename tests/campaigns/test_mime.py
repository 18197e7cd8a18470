"""The bytes a customer's message travels as: CRLF everywhere (mail servers refuse bare line feeds), headers that
parse back to what was written, a Message-ID on the sender's own domain."""

import email
import email.policy
import re

from campaigns.services.sending.mime import message_bytes
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
