"""A private Postfix on 127.0.0.1 for the tests marked ``mailserver``: a real mail server that follows RFC 5321
strictly (a bare line feed is refused, not repaired) and relays what it accepts to an aiosmtpd sink, so a test
sees both what Postfix said to the sender and what it passed on.

The instance has its own configuration, queue and data directories and log file under a temporary directory; it
listens only on 127.0.0.1 at a free port, never on port 25, delivers nothing locally, looks nothing up in the DNS
and relays everything to the sink (``relayhost``). It needs Debian's ``postfix`` package (its ``postfix`` user
and ``postdrop`` group) and root, as CI has: without them the fixture fails, it does not skip.
"""

import contextlib
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.smtp import Mailbox, free_port

SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
HOSTNAME = "postfix.test.invalid"  # never the sink's greeting: Postfix would see a mail loop

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = {hostname}
mydomain = test.invalid
myorigin = $myhostname

# Logging to a file this test reads, through the postlog service below.
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}

# Only 127.0.0.1, at the port of the smtpd service in master.cf.
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no

# Strict: a line ending in a bare <LF> is refused, for every client. The exclusions default to $mynetworks,
# which would exempt the tests' own client on 127.0.0.1.
smtpd_forbid_bare_newline = reject
smtpd_forbid_bare_newline_exclusions =
smtputf8_enable = yes
strict_smtputf8 = no
# 8-bit body text needs a Content-Transfer-Encoding that says so. (strict_7bit_headers stays off: in 3.7 it
# refuses UTF-8 headers even in a message sent with SMTPUTF8, whose headers RFC 6532 allows in UTF-8.)
strict_8bitmime_body = yes

# Nothing is delivered here: no local domain, no aliases; everything goes to the sink.
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.1.1 local delivery is disabled
default_transport = smtp
relay_transport = smtp
relayhost = [127.0.0.1]:{sink_port}
smtpd_relay_restrictions = permit_mynetworks, reject
biff = no
append_dot_mydomain = no

# No DNS at all, and no waiting: relay within a second, retry soon.
smtp_dns_support_level = disabled
smtp_host_lookup = native
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connection_cache_on_demand = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
"""

# No chroot (the queue directory is a temporary one), no port-25 listener, no local, virtual or pipe delivery.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


@dataclass
class Relayed:
    recipients: list[str]
    mail_options: list[str]
    data: bytes  # as the sink read it off the wire, dot-unstuffed, line endings kept


class RelaySink(Mailbox):
    """What Postfix relayed: the parsed messages (as :class:`Mailbox` keeps them), and for each its exact bytes
    and MAIL FROM options (SMTPUTF8 or not)."""

    def __init__(self):
        super().__init__()
        self.relayed: list[Relayed] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd calls handlers by these names)
        self.relayed.append(
            Relayed(
                recipients=list(envelope.rcpt_tos),
                mail_options=[o.upper() for o in envelope.mail_options],
                data=bytes(envelope.original_content),
            )
        )
        return await super().handle_DATA(server, session, envelope)

    def clear(self):
        self.received.clear()
        self.relayed.clear()
        self.refuse.clear()


@dataclass
class Postfix:
    """A running private Postfix: send to ``port``; what it relays arrives in ``sink``."""

    root: Path
    port: int
    sink: RelaySink
    postfix_command: str
    postqueue_command: str
    _log_offset: int = field(default=0)

    @property
    def config(self) -> Path:
        return self.root / "etc"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.postfix_command, "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    def master_pid(self) -> int | None:
        """The master process's id while it runs, else None."""
        try:
            pid = int((self.root / "queue" / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def wait_relayed(self, count: int, timeout: float = 20) -> list[Relayed]:
        """Wait until the sink has at least ``count`` messages from Postfix; fail the test otherwise."""
        deadline = time.monotonic() + timeout
        while len(self.sink.relayed) < count:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Postfix relayed {len(self.sink.relayed)} of {count} messages within {timeout}s.\n"
                    f"Queue:\n{self.queue()}\nLog:\n{self.postfix_log()}"
                )
            time.sleep(0.1)
        return list(self.sink.relayed)

    def queue(self) -> str:
        """``postqueue -p`` of this instance ("Mail queue is empty" when nothing waits)."""
        result = subprocess.run(
            [self.postqueue_command, "-c", str(self.config), "-p"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return (result.stdout + result.stderr).strip()

    def wait_queue_empty(self, timeout: float = 10) -> str:
        """Wait until nothing waits in Postfix's queue (a relayed message is removed a moment after it went);
        answer the last ``postqueue -p`` output."""
        output = self.queue()
        deadline = time.monotonic() + timeout
        while output != "Mail queue is empty" and time.monotonic() < deadline:
            time.sleep(0.1)
            output = self.queue()
        return output

    def wait_log(self, text: str, timeout: float = 10) -> str:
        """The log since :meth:`reset` once it says ``text`` (Postfix writes it a moment later), or as it is
        after ``timeout`` seconds."""
        _wait(lambda: text in self.postfix_log(), timeout)
        return self.postfix_log()

    def postfix_log(self, *, since_reset: bool = True) -> str:
        """The instance's log (``maillog_file``); by default only what was written since :meth:`reset`."""
        try:
            data = (self.root / "postfix.log").read_bytes()
        except FileNotFoundError:
            return ""
        return data[self._log_offset if since_reset else 0 :].decode("utf-8", errors="replace")

    def reset(self) -> None:
        """Between tests: an empty sink, and the log read from here on."""
        self.sink.clear()
        try:
            self._log_offset = (self.root / "postfix.log").stat().st_size
        except FileNotFoundError:
            self._log_offset = 0

    def send_raw(self, data: bytes, *, sender: str, recipients: list[str], options: tuple[str, ...] = ()) -> dict:
        """Hand ``data`` to Postfix exactly as it is (no line ending repaired); answer smtplib's refused
        recipients, or raise smtplib's exception for the refusal."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
            return smtp.sendmail(sender, recipients, data, list(options))


def _port_is_bound(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _require_postfix() -> tuple[str, str]:
    postfix, postqueue = shutil.which("postfix", path=SBIN_PATH), shutil.which("postqueue", path=SBIN_PATH)
    if not postfix or not postqueue:
        pytest.fail(
            "The mailserver tests need Debian's Postfix: `echo 'postfix postfix/main_mailer_type select "
            "No configuration' | debconf-set-selections && DEBIAN_FRONTEND=noninteractive apt-get install -y "
            "postfix` (.ci/run installs it)."
        )
    if os.geteuid() != 0:
        pytest.fail("The mailserver tests start a private Postfix, whose master process must run as root.")
    return postfix, postqueue


def start_postfix(root: Path, sink: RelaySink, sink_port: int) -> Postfix:
    postfix, postqueue = _require_postfix()
    root.chmod(0o755)  # the daemons run as the postfix user
    config = root / "etc"
    config.mkdir()
    (root / "queue").mkdir(mode=0o755)  # root's, as postfix-script expects; set-permissions fills it
    (root / "data").mkdir(mode=0o700)
    shutil.chown(root / "data", user="postfix")
    port = free_port()
    (config / "main.cf").write_text(MAIN_CF.format(root=root, hostname=HOSTNAME, sink_port=sink_port))
    (config / "master.cf").write_text(MASTER_CF.format(port=port))
    server = Postfix(root=root, port=port, sink=sink, postfix_command=postfix, postqueue_command=postqueue)
    for step in (["set-permissions"], ["check"], ["start"]):
        result = server.run(*step, check=False)
        if result.returncode:
            stop_postfix(server)  # a master that came up despite the error is not left behind
            pytest.fail(
                f"postfix {' '.join(step)} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n"
                f"{server.postfix_log()}"
            )
    if not _wait(lambda: _port_is_bound(port), timeout=15):
        stop_postfix(server)
        pytest.fail(f"Postfix did not listen on 127.0.0.1:{port} within 15s:\n{server.postfix_log()}")
    return server


def stop_postfix(server: Postfix) -> None:
    """Stop the master (and so every daemon), and make sure nothing is left running or bound."""
    pid = server.master_pid()
    if pid is not None:
        server.run("stop", check=False)
        if not _wait(lambda: server.master_pid() is None, timeout=10):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)  # the master leads its daemons' process group
    _wait(lambda: not _port_is_bound(server.port), timeout=10)


@pytest.fixture(scope="session")
def postfix_server():
    """A private Postfix for the whole run, relaying to an aiosmtpd sink; stopped and removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="emarketing-postfix-"))
    sink = RelaySink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=True)
    controller.start()
    server = None
    try:
        server = start_postfix(root, sink, controller.port)
        yield server
    finally:
        if server is not None:
            stop_postfix(server)
        controller.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postfix(postfix_server, settings):
    """The private Postfix for one test: customer mail goes to it (CAMPAIGNS_EMAIL_URL), the sink starts empty."""
    postfix_server.reset()
    settings.CAMPAIGNS_EMAIL_URL = postfix_server.url
    return postfix_server
