"""Rendering layer: a creative for one customer, with tracked links, the open pixel, the footer and public URLs."""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from campaigns import tokens
from campaigns.html import href_written
from campaigns.selectors import products_in_language
from campaigns.templating import CompiledCreative, rewrite_links
from campaigns.verp import base_return_path

from .layout import email_document

RTL_LANGUAGES = {"fa", "ar"}

_SLOT = "TOKEN-SLOT"


@lru_cache(maxsize=32)
def _url_pattern(name: str, site: str, script_prefix: str) -> str:
    return site.rstrip("/") + reverse(name, args=[_SLOT])


def from_address() -> str:
    """The sender of customer messages: ``CAMPAIGNS_FROM_EMAIL``, else ``DEFAULT_FROM_EMAIL``."""
    return str(settings.CAMPAIGNS_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL)


def public_url(name: str, token: str) -> str:
    """The absolute address of a public endpoint (tokens need no quoting: digits, dots, a colon, base64url)."""
    return _url_pattern(name, settings.SITE_URL, get_script_prefix()).replace(_SLOT, token)


def customer_urls(customer_id: int) -> dict[str, str]:
    token = tokens.preferences_token(customer_id=customer_id)
    urls = {
        "preferences_url": public_url("campaigns:preferences", token),
        "unsubscribe_url": public_url("campaigns:unsubscribe", token),
    }
    # RFC 2369: a mail client that does not speak one-click sends this mail; the contact line reads it. By default
    # the mailbox of the return path, which the contact line must read for the bounces anyway.
    mailbox = settings.CAMPAIGNS_UNSUBSCRIBE_EMAIL or base_return_path(from_address())
    urls["unsubscribe_mailto"] = f"mailto:{mailbox}?subject={quote(unsubscribe_subject(token))}"
    return urls


def unsubscribe_subject(token: str) -> str:
    """The subject of an unsubscribe request by e-mail; the token is the one the unsubscribe link carries."""
    return f"unsubscribe {token}"


def _footer(language: str, urls: dict[str, str]) -> tuple[SafeString, str]:
    html, text = _footer_pattern(language, translation.get_language() or "")
    pairs = (("PREFERENCES-SLOT", urls["preferences_url"]), ("UNSUBSCRIBE-SLOT", urls["unsubscribe_url"]))
    for slot, url in pairs:
        html, text = html.replace(slot, url), text.replace(slot, url)
    return mark_safe(html), text  # noqa: S308 - built by format_html; the slots are our own URLs


@lru_cache(maxsize=16)
def _footer_pattern(language: str, _active: str) -> tuple[str, str]:
    urls = {"preferences_url": "PREFERENCES-SLOT", "unsubscribe_url": "UNSUBSCRIBE-SLOT"}
    with translation.override(language):
        html = format_html(
            '<p style="font-size:12px;color:#666">{} <a href="{}">{}</a> · <a href="{}">{}</a></p>',
            _("You receive this e-mail because you agreed to hear from us."),
            urls["preferences_url"],
            _("Choose topics and channels"),
            urls["unsubscribe_url"],
            _("Unsubscribe"),
        )
        text = "\n\n-- \n{}\n{}: {}\n{}: {}\n".format(
            _("You receive this e-mail because you agreed to hear from us."),
            _("Choose topics and channels"),
            urls["preferences_url"],
            _("Unsubscribe"),
            urls["unsubscribe_url"],
        )
    return str(html), text


def _pixel(pixel_url: str) -> str:
    if not pixel_url:
        return ""
    return str(format_html('<img src="{}" width="1" height="1" alt="" style="display:block;border:0">', pixel_url))


@dataclass
class Rendered:
    subject: str
    html: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    # The sender as the From header shows it, display name in the recipient's language ("" : the kind's sender).
    from_email: str = ""


def render_for(
    *,
    compiled: CompiledCreative,
    context: dict[str, Any],
    language: str,
    campaign_id: int,
    customer_id: int,
    creative_id: int,
    links: dict[str, int] | None = None,
    track: bool = True,
) -> Rendered:
    """Render a creative for one customer: links tracked, pixel, footer, in the responsive frame of its language
    (``layout``: ``dir="rtl"`` for Persian and Arabic), the recommended products named in ``language``."""
    urls = customer_urls(customer_id)
    context = {**context, **urls}
    if context.get("recommended_products"):
        context["recommended_products"] = products_in_language(context["recommended_products"], language)
    subject, html, text = compiled.render(context)
    preheader = compiled.render_preheader(context)
    pixel_url = ""
    if track:
        # The links are registered as a browser follows them; in the cleaned HTML each is written as HTML writes it.
        known = {href_written(url): link_id for url, link_id in (links or {}).items()}

        def tracked(url: str) -> str | None:
            link_id = known.get(url)
            if link_id is None:
                return None
            token = tokens.click_token(
                campaign_id=campaign_id, customer_id=customer_id, creative_id=creative_id, link_id=link_id
            )
            return public_url("campaigns:click", token)

        html = rewrite_links(html, tracked)
        token = tokens.open_token(campaign_id=campaign_id, customer_id=customer_id, creative_id=creative_id)
        pixel_url = public_url("campaigns:open", token)
    footer_html, footer_text = _footer(language, urls)
    document = email_document(
        body=html or "", language=language, footer=footer_html, pixel=_pixel(pixel_url), preheader=preheader
    )
    text = (text or strip_tags(html)).strip() + footer_text
    headers = {
        "List-Unsubscribe": ", ".join(f"<{url}>" for url in (urls["unsubscribe_url"], urls["unsubscribe_mailto"])),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Content-Language": language,
    }
    return Rendered(subject=subject, html=document, text=text, headers=headers)
