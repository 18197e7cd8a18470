"""A real SMTP server on localhost (aiosmtpd) for the tests that send mail: what it accepted, by recipient."""

import asyncio
import email
import socket
from email import policy

ANSWER_DELAY = 0.3  # seconds a SlowToAnswer server waits before it says a message was accepted


class Mailbox:
    """Collects what the server accepted; refuses at RCPT the addresses in ``refuse`` for good (550 5.1.1: no such
    mailbox), those in ``defer`` for now (450 4.2.1) and those in ``block`` by policy (550 5.7.1)."""

    def __init__(self):
        self.received = []
        self.raw = []
        self.envelope_senders = []
        self.refuse = set()
        self.defer = set()
        self.block = set()
        self.greetings = []
        self.pipelining = False  # offer PIPELINING (RFC 2920): aiosmtpd reads pipelined commands in order

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 (aiosmtpd names)
        self.greetings.append(hostname)
        session.host_name = hostname
        if self.pipelining:
            responses = [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd names)
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if address in self.defer:
            return "450 4.2.1 Mailbox busy, try again later"
        if address in self.block:
            return "550 5.7.1 Message refused by local policy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        self.raw.append((list(envelope.rcpt_tos), envelope.original_content))
        self.envelope_senders.append((list(envelope.rcpt_tos), envelope.mail_from))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for rcpts, m in self.received if address in rcpts]

    def senders_to(self, address):
        """The envelope sender (MAIL FROM) of each message to ``address``."""
        return [sender for rcpts, sender in self.envelope_senders if address in rcpts]

    def raw_to(self, address):
        """The bytes of each message to ``address``, as they came over the wire."""
        return [data for rcpts, data in self.raw if address in rcpts]

    def count_by_recipient(self):
        counts = {}
        for rcpts, _message in self.received:
            for r in rcpts:
                counts[r] = counts.get(r, 0) + 1
        return counts


class SlowToAnswer(Mailbox):
    """Keeps each message, then takes a moment to say so: a worker killed then has handed over a message that
    arrived, and has not heard that it did."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(ANSWER_DELAY)
        return answer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
