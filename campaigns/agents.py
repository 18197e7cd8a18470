"""Who fetched an e-mail's pixel or followed its link: a person, a mail proxy, or a machine.

Three kinds (``AgentKind``):

- **proxy**: the mailbox provider fetched the images for its user (Apple Mail Privacy Protection, which sends a
  bare ``Mozilla/5.0``; Gmail's, Yahoo's image proxies): the message was delivered and opened by software, but no
  person is known to have looked;
- **bot**: a crawler, a link preview (WhatsApp, Facebook, Slack…), a security scanner that opens and clicks
  everything (Barracuda, Mimecast, Proofpoint, Microsoft Safe Links…), or a script;
- **person**: everything else — current browsers and mail clients, Outlook desktop included.

Crawlers are recognised by the maintained pattern list of the ``crawler-user-agents`` package (upgraded with the
package, never edited here); the mail proxies and the link scanners that list does not carry are named below.
"""

import re
from functools import lru_cache

import crawleruseragents
from django.db import models
from django.utils.translation import gettext_lazy as _

AGENT_LIMIT = 500


class AgentKind(models.TextChoices):
    PERSON = "person", _("A person")
    PROXY = "proxy", _("A mail proxy (delivered, fetched by the provider)")
    BOT = "bot", _("A bot, link preview or scanner")


# Image proxies of the large mailbox providers (Apple's Mail Privacy Protection is the bare "Mozilla/5.0").
MAIL_PROXY = re.compile(r"GoogleImageProxy|via ggpht\.com|YahooMailProxy|Yahoo! Slurp|OutlookImageProxy", re.I)
# Security scanners and scripts that open and click every link of a message.
SCANNER = re.compile(
    r"barracuda|mimecast|proofpoint|symantec|messagelabs|trend ?micro|fireeye|forcepoint|safelinks"
    r"|^curl/|^wget/|python-|go-http-client|^java/|okhttp|headlesschrome|phantomjs|libwww|httpclient|axios/"
    r"|node-fetch",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def agent_kind(user_agent: str) -> str:
    """The kind of agent a ``User-Agent`` header names (see the module's description)."""
    agent = (user_agent or "")[:AGENT_LIMIT].strip()
    if not agent:
        return AgentKind.BOT.value
    if agent == "Mozilla/5.0" or MAIL_PROXY.search(agent):
        return AgentKind.PROXY.value
    if SCANNER.search(agent) or crawleruseragents.is_crawler(agent):
        return AgentKind.BOT.value
    return AgentKind.PERSON.value
