"""Transport layer: the SMTP connection customer messages go through, one hand-over, and the pace."""

import re
import smtplib
import time
from typing import Any, Literal

import environ
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.utils import DNS_NAME
from django.utils.translation import gettext as _

from .mime import bare_address, from_address, message_id_domain

# "refused": the server said not now (4xx: retried with backoff); "bounced": the server refused the recipient for
# good (5xx at RCPT: never retried, recorded as a bounce, whose status says whether the address is dead or a policy
# refused us); "failed": it cannot ever take this message (a permanent refusal of the message itself, or SMTPUTF8
# missing; not retried).
Outcome = Literal["sent", "refused", "bounced", "failed"]
# (envelope sender, envelope recipients, message bytes, MAIL FROM options such as SMTPUTF8)
RawEmail = tuple[str, list[str], bytes, list[str]]
SMTPUTF8 = "SMTPUTF8"


class SendingInterrupted(Exception):
    """The mail server went away mid-batch; the unsent messages were given back to the queue."""


def helo_name() -> str:
    """The name the product greets mail servers with (EHLO): ``CAMPAIGNS_SMTP_HELO``, else this host's fully
    qualified name, else — a host that only knows itself as ``localhost`` — the sending domain. Receivers that
    check the greeting refuse ``localhost`` or a bare host name."""
    configured = str(settings.CAMPAIGNS_SMTP_HELO or "").strip()
    if configured:
        return configured
    fqdn = str(DNS_NAME.get_fqdn())
    if "." in fqdn and not fqdn.startswith("localhost") and not fqdn.endswith((".localdomain", ".local")):
        return fqdn
    return message_id_domain(bare_address(from_address()))


class CampaignSMTPBackend(SMTPBackend):
    """Django's SMTP backend, greeting with :func:`helo_name` instead of whatever the host calls itself."""

    @property
    def connection_class(self) -> Any:
        base = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        name = helo_name()

        class Greeting(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs["local_hostname"] = name
                super().__init__(*args, **kwargs)

        return Greeting


def mail_connection() -> Any:
    """The connection customer messages go through: ``CAMPAIGNS_EMAIL_URL`` if set, else Django's e-mail settings
    (an SMTP server among them greeted with :func:`helo_name`)."""
    url = settings.CAMPAIGNS_EMAIL_URL
    if not url:
        backend = str(settings.EMAIL_BACKEND)
        if backend == "django.core.mail.backends.smtp.EmailBackend":
            return CampaignSMTPBackend(timeout=settings.CAMPAIGNS_SMTP_TIMEOUT)
        return get_connection()
    cfg = environ.Env.email_url_config(url)
    options = {
        "host": cfg.get("EMAIL_HOST") or "localhost",
        "port": cfg.get("EMAIL_PORT") or 25,
        "username": cfg.get("EMAIL_HOST_USER") or "",
        "password": cfg.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": cfg.get("EMAIL_USE_TLS", False),
        "use_ssl": cfg.get("EMAIL_USE_SSL", False),
        "timeout": settings.CAMPAIGNS_SMTP_TIMEOUT,
    }
    if cfg["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        return CampaignSMTPBackend(**options)
    return get_connection(backend=cfg["EMAIL_BACKEND"], **options)


def permanent(code: int) -> bool:
    """A reply code that will not change on a retry (RFC 5321 §4.2.1: 5yz)."""
    return 500 <= code < 600


def _recipient_refused(code: int, text: str) -> tuple[Outcome, str]:
    """A refusal of the recipient (RCPT): not now (retried) or for good (bounced)."""
    return ("bounced" if permanent(code) else "refused"), f"{code} {text}"[:500]


def _message_refused(code: int, text: str) -> tuple[Outcome, str]:
    """A refusal of the message itself or of our sender (MAIL, DATA): the recipient's address is not in question."""
    return ("failed" if permanent(code) else "refused"), f"{code} {text}"[:500]


def _deliver(email: EmailMessage | RawEmail, connection: Any) -> tuple[Outcome, str]:
    """Send one e-mail and wait for the answer: ``("sent", "")``, or what :class:`Handover` answers.

    ``email`` is an EmailMessage (any backend), or ``(from, to, bytes, mail options)`` for an SMTP connection of
    Django's SMTP backend.
    """
    if isinstance(email, tuple):
        handover = Handover(connection)
        early = handover.start(email)
        return early if early is not None else handover.finish()
    try:
        connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return _recipient_refused(code, _answer(text))
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return _message_refused(exc.smtp_code, _answer(exc.smtp_error))
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError, OSError) as exc:
        raise SendingInterrupted(str(exc)) from exc
    return "sent", ""


LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class Handover:
    """Hands ready messages to an open SMTP connection of Django's SMTP backend, one recipient each.

    :meth:`start` sends the envelope (``MAIL``, ``RCPT``, ``DATA``) and the message, and returns at once: the
    server's answer to the message — the moment a real mail server writes it to its queue — is read by
    :meth:`finish`, which the pipeline calls when it has built the next message. So building one message overlaps
    the server's work on the one before, and nothing is marked sent before the server said so. A message that
    needs SMTPUTF8 (an address with a non-ASCII local part) goes only to a server that offers it (asked after
    EHLO); another server fails it without a word on the wire. A connection that breaks raises
    :class:`SendingInterrupted`.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def _smtp(self) -> smtplib.SMTP:
        if self.connection.connection is None:
            self.connection.open()
        smtp: smtplib.SMTP = self.connection.connection
        smtp.ehlo_or_helo_if_needed()
        return smtp

    def start(self, email: RawEmail) -> tuple[Outcome, str] | None:
        """Send one message; its outcome when the server already refused it, else None (call :meth:`finish`)."""
        sender, recipients, data, options = email
        try:
            smtp = self._smtp()
            if SMTPUTF8 in options and not smtp.has_extn("smtputf8"):
                return "failed", _("The mail server does not accept internationalised addresses (SMTPUTF8).")
            mail_options = list(options)
            if smtp.has_extn("size"):
                mail_options.append(f"SIZE={len(data)}")
            refused = (
                self._envelope_pipelined(smtp, sender, recipients[0], mail_options)
                if smtp.has_extn("pipelining")
                else self._envelope(smtp, sender, recipients[0], mail_options)
            )
            if refused is not None:
                smtp.rset()
                return refused
            # RFC 5321 §4.5.2: a line that starts with a dot gets another; the message ends with CRLF . CRLF.
            body = LEADING_DOT.sub(b"..", data)
            smtp.send(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"))
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError, OSError) as exc:
            raise SendingInterrupted(str(exc)) from exc
        return None

    @staticmethod
    def _envelope(smtp: smtplib.SMTP, sender: str, recipient: str, options: list[str]) -> tuple[Outcome, str] | None:
        """MAIL, RCPT and DATA one after the other, each waiting for its answer; the refusal, if any."""
        code, text = smtp.mail(sender, options)
        if code != 250:
            return _message_refused(code, _answer(text))
        code, text = smtp.rcpt(recipient)
        if code not in (250, 251):
            return _recipient_refused(code, _answer(text))
        code, text = smtp.docmd("DATA")
        if code != 354:
            return _message_refused(code, _answer(text))
        return None

    @staticmethod
    def _envelope_pipelined(
        smtp: smtplib.SMTP, sender: str, recipient: str, options: list[str]
    ) -> tuple[Outcome, str] | None:
        """MAIL, RCPT and DATA in one write, then their three answers (PIPELINING, RFC 2920): one round trip instead
        of three with a server that offers it. A refused sender or recipient makes the server refuse DATA too; a
        server that says 354 all the same gets an empty message ended at once, and its answer is read."""
        if any(c in f"{sender}{recipient}" for c in "\r\n<>"):
            return "failed", _("An address with a line break or an angle bracket cannot go on the envelope.")
        encoding = "utf-8" if SMTPUTF8 in options else "ascii"
        extra = "".join(f" {option}" for option in options)
        smtp.send(f"MAIL FROM:<{sender}>{extra}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode(encoding))
        (mail_code, mail_text), (rcpt_code, rcpt_text), (data_code, data_text) = (smtp.getreply() for _i in range(3))
        if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
            smtp.send(b".\r\n")
            smtp.getreply()
        if mail_code != 250:
            return _message_refused(mail_code, _answer(mail_text))
        if rcpt_code not in (250, 251):
            return _recipient_refused(rcpt_code, _answer(rcpt_text))
        if data_code != 354:
            return _message_refused(data_code, _answer(data_text))
        return None

    def finish(self) -> tuple[Outcome, str]:
        """The server's answer to the message :meth:`start` handed over."""
        try:
            code, text = self.connection.connection.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SendingInterrupted(str(exc)) from exc
        if code == 250:
            return "sent", ""
        return _message_refused(code, _answer(text))


def _answer(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


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
