"""The responsive frame every campaign e-mail is sent in: MJML, rendered to HTML by mrml.

A creative's body is the HTML its editor wrote. When a message is rendered (``render.render_for``) the body is
templated for the customer and cleaned (``campaigns.html``) as before, its links are tracked, and only then is it
put into this frame: the brand's name at the top, the preheader (``mj-preview``), the body in an ``mj-text``, the
footer with the preferences and unsubscribe links, ``lang`` and ``dir`` from the creative's language. The frame is
ours, not the marketer's: its ``<style>`` blocks and classes (the media queries that stack columns on a phone)
are never cleaned away, while nothing the marketer wrote escapes the cleaner.

MJML is compiled once per language, brand name and with/without a preheader (``_frame``), with slots where each
message's own parts go; a message is then the frame's pieces joined around its parts, no MJML compiled per
message.
"""

import re
from functools import lru_cache
from html import escape

import mrml
from django.conf import settings
from django.utils import translation

from emarketing.mail import RTL_LANGUAGES, brand_name

# Where each message's own parts go in the compiled frame: plain words that MJML passes through untouched.
_SLOTS = ("PREHEADER", "BODY", "FOOTER", "PIXEL")
_SLOT = re.compile(r"EMKSLOT(" + "|".join(_SLOTS) + r")TOLSKME")
# What follows the preheader in the hidden block: zero-width non-joiners and spaces, so that a mailbox's list shows
# the preheader alone rather than running on into the first words of the message.
PREHEADER_PAD = "&#847;&zwnj;&nbsp;" * 40
# The font stack: the system fonts that carry Persian and Arabic well; none fetched from a font host.
FONTS = "Tahoma, 'Segoe UI', Arial, sans-serif"
# The width of the message on a desktop; under MOBILE_BREAKPOINT its columns stack.
WIDTH = "600px"
MOBILE_BREAKPOINT = "480px"


def _slot(name: str) -> str:
    return f"EMKSLOT{name}TOLSKME"


def frame_mjml(*, language: str, brand: str, preheader: bool) -> str:
    """The MJML source of the frame for ``language`` (slots where a message's parts go)."""
    direction = "rtl" if language in RTL_LANGUAGES else "ltr"
    align = "right" if direction == "rtl" else "left"
    preview = f"<mj-preview>{_slot('PREHEADER')}</mj-preview>" if preheader else ""
    return f"""<mjml lang="{language}" dir="{direction}">
  <mj-head>
    <mj-title>{escape(brand)}</mj-title>
    {preview}
    <mj-breakpoint width="{MOBILE_BREAKPOINT}" />
    <mj-attributes>
      <mj-all font-family="{FONTS}" />
      <mj-section direction="{direction}" />
      <mj-column direction="{direction}" />
      <mj-text align="{align}" font-size="15px" line-height="1.7" color="#222222" />
    </mj-attributes>
  </mj-head>
  <mj-body width="{WIDTH}" background-color="#f4f4f4">
    <mj-section background-color="#1a237e" padding="12px 0">
      <mj-column><mj-text color="#ffffff" font-size="20px" font-weight="bold">{escape(brand)}</mj-text></mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="8px 0">
      <mj-column><mj-text>{_slot("BODY")}</mj-text></mj-column>
    </mj-section>
    <mj-section padding="8px 0">
      <mj-column><mj-text font-size="12px" color="#666666">{_slot("FOOTER")}</mj-text></mj-column>
    </mj-section>
  </mj-body>
</mjml>"""


@lru_cache(maxsize=32)
def _frame(language: str, brand: str, preheader: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The compiled frame as its static pieces and, between them, the names of the slots."""
    html = mrml.to_html(
        frame_mjml(language=language, brand=brand, preheader=preheader),
        render_options=mrml.RenderOptions(disable_comments=True),
    ).content
    html = html.replace("</body>", _slot("PIXEL") + "</body>", 1)
    parts = _SLOT.split(html)
    return tuple(parts[0::2]), tuple(parts[1::2])


@lru_cache(maxsize=8)
def _product_name(language: str) -> str:
    with translation.override(language):
        return brand_name()


def email_document(*, body: str, language: str, footer: str, pixel: str = "", preheader: str = "") -> str:
    """The HTML of one message: ``body`` (cleaned HTML), ``footer`` and ``pixel`` (our own HTML) and ``preheader``
    (plain text, escaped here) in the frame of ``language``."""
    pieces, slots = _frame(language, settings.BRAND_NAME or _product_name(language), bool(preheader))
    values = {
        "PREHEADER": escape(preheader) + PREHEADER_PAD if preheader else "",
        "BODY": body,
        "FOOTER": footer,
        "PIXEL": pixel,
    }
    out = [pieces[0]]
    for name, piece in zip(slots, pieces[1:], strict=True):
        out += [values[name], piece]
    return "".join(out)
