"""Transport layer: the SMTP connection customer messages go through, one hand-over, and the pace."""

import smtplib
import time
from typing import Any, Literal

import environ
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

# "refused": the server said no (retried with backoff); "failed": it cannot ever take it (not retried).
Outcome = Literal["sent", "refused", "failed"]
# (envelope sender, envelope recipients, message bytes, MAIL FROM options such as SMTPUTF8)
RawEmail = tuple[str, list[str], bytes, list[str]]
SMTPUTF8 = "SMTPUTF8"


class SendingInterrupted(Exception):
    """The mail server went away mid-batch; the unsent messages were given back to the queue."""


def mail_connection() -> Any:
    """The connection customer messages go through: ``CAMPAIGNS_EMAIL_URL`` if set, else Django's e-mail settings."""
    url = settings.CAMPAIGNS_EMAIL_URL
    if not url:
        return get_connection()
    cfg = environ.Env.email_url_config(url)
    return get_connection(
        backend=cfg["EMAIL_BACKEND"],
        host=cfg.get("EMAIL_HOST") or "localhost",
        port=cfg.get("EMAIL_PORT") or 25,
        username=cfg.get("EMAIL_HOST_USER") or "",
        password=cfg.get("EMAIL_HOST_PASSWORD") or "",
        use_tls=cfg.get("EMAIL_USE_TLS", False),
        use_ssl=cfg.get("EMAIL_USE_SSL", False),
        timeout=settings.CAMPAIGNS_SMTP_TIMEOUT,
    )


def _deliver(email: EmailMessage | RawEmail, connection: Any) -> tuple[Outcome, str]:
    """Send one e-mail; answer ``("sent", "")``, ``("refused", why)``, ``("failed", why)`` or raise
    SendingInterrupted.

    ``email`` is an EmailMessage, or ``(from, to, bytes, mail options)`` ready for an open SMTP connection of
    Django's SMTP backend. A message that needs SMTPUTF8 (an address with a non-ASCII local part) goes only to a
    server that offers it (asked after EHLO); another server fails it without a word on the wire.
    """
    try:
        if isinstance(email, tuple):
            if connection.connection is None:
                connection.open()
            smtp = connection.connection
            sender, recipients, data, options = email
            if SMTPUTF8 in options:
                smtp.ehlo_or_helo_if_needed()
                if not smtp.has_extn("smtputf8"):
                    return "failed", _("The mail server does not accept internationalised addresses (SMTPUTF8).")
            smtp.sendmail(sender, recipients, data, options)
        else:
            connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        return "refused", "; ".join(f"{code} {msg!r}" for code, msg in exc.recipients.values())[:500]
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return "refused", f"{exc.smtp_code} {exc.smtp_error!r}"[:500]
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError, OSError) as exc:
        raise SendingInterrupted(str(exc)) from exc
    return "sent", ""


class Throttle:
    """At most ``rate`` messages a second from this sender (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval
