"""Links in an SMS: each http(s) address of a campaign's text becomes the product's own short tracking address
(``/s/<token>``), which records a click touch and redirects to the stored address, never to one the request
names (``campaigns.sms_views``)."""

import re

from django.conf import settings
from django.urls import reverse

from campaigns import tokens
from campaigns.models import Campaign, Link
from campaigns.templating import is_http_address

# An address as people write one in a text: up to the next blank; trailing punctuation is the sentence's.
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}»،؛"


def urls_in(text: str) -> list[str]:
    """The http(s) addresses of a text, in order, each once (addresses holding template syntax left out)."""
    found: list[str] = []
    for match in URL.finditer(text or ""):
        url = match.group(0).rstrip(TRAILING)
        if "{" in url or "}" in url or not is_http_address(url):
            continue
        if url not in found:
            found.append(url)
    return found


def sms_links_sync(*, campaign: Campaign, texts: list[str]) -> dict[str, int]:
    """Register the addresses of ``texts`` as the campaign's links; ``{url: link id}`` of every link it has."""
    new = []
    for url in {u for text in texts for u in urls_in(text)}:
        link = Link(campaign=campaign, url=url)
        link.full_clean(exclude=["campaign"], validate_unique=False, validate_constraints=False)
        new.append(link)
    Link.objects.bulk_create(new, ignore_conflicts=True)
    return dict(Link.objects.filter(campaign=campaign).values_list("url", "pk"))


def short_url(*, message_id: int, link_id: int) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse("sms_short", args=[tokens.sms_click_token(message_id, link_id)])


def shorten(text: str, *, message_id: int, links: dict[str, int]) -> str:
    """``text`` with each registered address replaced by its short tracking address for this message."""

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        url = whole.rstrip(TRAILING)
        link_id = links.get(url)
        if link_id is None:
            return whole
        return short_url(message_id=message_id, link_id=link_id) + whole[len(url) :]

    return URL.sub(replace, text)
