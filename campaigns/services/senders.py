"""Who a message comes from: a brand's sending identity, its display name in the customer's language."""

from campaigns.models import Sender
from campaigns.services.sending.mime import display_address, from_address
from campaigns.services.sending.render import Rendered


def sender_address(*, sender: Sender | None, language: str) -> str:
    """``Display name <address>`` for the From header, the name in ``language`` (else English, else the
    sender's internal name). With no sender given, the default Sender; with none at all, the settings' address
    (``CAMPAIGNS_FROM_EMAIL``, else ``DEFAULT_FROM_EMAIL``) unchanged.

    The name is left in Unicode: the MIME layer encodes it for the header (RFC 2047).
    """
    if sender is None:
        sender = Sender.objects.filter(is_default=True).first()
    if sender is None:
        return from_address()
    return display_address(sender.display_name(language), sender.from_email)


def sender_reply_to(*, sender: Sender | None) -> str:
    """The Reply-To address of ``sender`` (or of the default Sender when none is given); "" for none."""
    if sender is None:
        sender = Sender.objects.filter(is_default=True).first()
    return sender.reply_to if sender is not None else ""


class CampaignSenders:
    """The From and Reply-To of one campaign's messages, looked up once per language for a whole send."""

    def __init__(self, sender: Sender | None) -> None:
        self.sender = sender
        self.found: dict[str, tuple[str, str]] = {}

    def apply(self, rendered: Rendered, *, language: str) -> Rendered:
        """Put the campaign's sender, with its name in ``language``, on a rendered message."""
        if language not in self.found:
            self.found[language] = (
                sender_address(sender=self.sender, language=language),
                sender_reply_to(sender=self.sender),
            )
        rendered.from_email, reply_to = self.found[language]
        if reply_to:
            rendered.headers["Reply-To"] = reply_to
        return rendered
