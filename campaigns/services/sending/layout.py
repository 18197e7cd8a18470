"""The responsive frame every campaign e-mail is sent in: MJML, rendered to HTML by mrml.

A creative's body is the HTML its editor wrote. When a message is rendered (``render.render_for``) the body is
templated for the customer and cleaned (``campaigns.html``) as before, its links are tracked, and only then is it
put into this frame: the brand's logo and name at the top in its colours (``emarketing.brand``, in the creative's
language), the preheader (``mj-preview``), the body in an ``mj-text``, the footer with the brand's address and
footer text, the preferences and unsubscribe links, ``lang`` and ``dir`` from the creative's language. The frame is
ours, not the marketer's: its ``<style>`` blocks and classes (the media queries that stack columns on a phone)
are never cleaned away, while nothing the marketer wrote escapes the cleaner.

MJML is compiled once per language, brand (as that language shows it) and with/without a preheader (``_frame``),
with slots where each message's own parts go; a message is then the frame's pieces joined around its parts, no MJML
compiled per message.
"""

import re
from functools import lru_cache
from html import escape

import mrml

from emarketing.brand.selectors import BrandInLanguage, brand_in
from emarketing.mail import RTL_LANGUAGES

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


def _brand_footer(brand: BrandInLanguage) -> str:
    lines = [f"<strong>{escape(brand.name)}</strong>", *(escape(line) for line in brand.address_lines)]
    lines += [escape(line) for line in brand.footer.splitlines() if line.strip()]
    return "<br>".join(lines)


def frame_mjml(*, language: str, brand: BrandInLanguage, preheader: bool) -> str:
    """The MJML source of the frame for ``language`` (slots where a message's parts go), in ``brand``'s look (its
    colours are #RRGGBB, checked when written, so they go into attributes as they are)."""
    direction = "rtl" if language in RTL_LANGUAGES else "ltr"
    align = "right" if direction == "rtl" else "left"
    preview = f"<mj-preview>{_slot('PREHEADER')}</mj-preview>" if preheader else ""
    name = escape(brand.name)
    logo = (
        f'<mj-image src="{escape(brand.logo_url)}" alt="{name}" height="40px" width="160px" align="{align}" '
        'padding="0 0 8px 0" />'
        if brand.logo_url
        else ""
    )
    header = f'background-color="{brand.primary_colour}" border-bottom="3px solid {brand.accent_colour}"'
    heading = f'<mj-text color="#ffffff" font-size="20px" font-weight="bold">{name}</mj-text>'
    footer = f"{_brand_footer(brand)}<br><br>{_slot('FOOTER')}"
    return f"""<mjml lang="{language}" dir="{direction}">
  <mj-head>
    <mj-title>{name}</mj-title>
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
    <mj-section {header} padding="12px 0">
      <mj-column>{logo}{heading}</mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="8px 0">
      <mj-column><mj-text>{_slot("BODY")}</mj-text></mj-column>
    </mj-section>
    <mj-section padding="8px 0">
      <mj-column><mj-text font-size="12px" color="#666666">{footer}</mj-text></mj-column>
    </mj-section>
  </mj-body>
</mjml>"""


@lru_cache(maxsize=32)
def _frame(language: str, brand: BrandInLanguage, preheader: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The compiled frame as its static pieces and, between them, the names of the slots."""
    html = mrml.to_html(
        frame_mjml(language=language, brand=brand, preheader=preheader),
        render_options=mrml.RenderOptions(disable_comments=True),
    ).content
    html = html.replace("</body>", _slot("PIXEL") + "</body>", 1)
    parts = _SLOT.split(html)
    return tuple(parts[0::2]), tuple(parts[1::2])


def email_document(*, body: str, language: str, footer: str, pixel: str = "", preheader: str = "") -> str:
    """The HTML of one message: ``body`` (cleaned HTML), ``footer`` and ``pixel`` (our own HTML) and ``preheader``
    (plain text, escaped here) in the frame of ``language``."""
    pieces, slots = _frame(language, brand_in(language), bool(preheader))
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
