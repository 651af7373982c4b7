"""A real SMTP server on 127.0.0.1 for tests and benchmarks (aiosmtpd), counting what arrives."""

import email
import email.message
import email.parser
import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable

from aiosmtpd.controller import Controller


class Inbox:
    """What the server accepted. Only the headers are parsed as mail arrives (to count
    Message-IDs): in the benchmark the server shares two cores with the worker it measures.

    Besides refusing everything (refuse_with), it can refuse the way real servers do now and
    then: every message to some recipients, permanently (refuse_recipients, at RCPT), and a
    share of messages once each, temporarily (temporary_share, at the end of DATA, chosen by a
    hash of the Message-ID, so the same messages are picked in every run and each is refused
    only on its first attempt). ``attempts`` counts every message that reached the end of DATA,
    refused or not, by Message-ID; ``accepted_at`` keeps when (time.time()) each copy was
    accepted, and ``refused_temporarily_at`` when each temporary refusal was sent."""

    def __init__(
        self,
        refuse_with: str = "",
        *,
        refuse_recipients: Iterable[str] = (),
        refuse_recipients_with: str = "550 5.1.1 No such user here",
        temporary_share: float = 0.0,
        temporary_with: str = "451 4.3.0 Try again later",
    ):
        self.refuse_with = refuse_with  # an SMTP reply, say "554 No thanks", refuses every message
        self.refuse_recipients = {address.lower() for address in refuse_recipients}
        self.refuse_recipients_with = refuse_recipients_with
        self.temporary_share = temporary_share
        self.temporary_with = temporary_with
        self.raw: list[bytes] = []
        self.message_ids: Counter = Counter()
        self.attempts: Counter = Counter()
        self.refused_temporarily: Counter = Counter()
        self.refused_temporarily_at: dict[str, float] = {}
        self.refused_recipients: Counter = Counter()
        self.accepted_at: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._header_parser = email.parser.BytesHeaderParser()

    def picked_for_temporary_refusal(self, message_id: str) -> bool:
        digest = hashlib.sha256(message_id.encode()).digest()
        return int.from_bytes(digest[:4], "big") < self.temporary_share * 2**32

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse_recipients:
            with self._lock:
                self.refused_recipients[address.lower()] += 1
            return self.refuse_recipients_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        content = envelope.original_content or envelope.content
        message_id = self._header_parser.parsebytes(content)["Message-ID"]
        with self._lock:
            self.attempts[message_id] += 1
            if (
                self.temporary_share
                and self.attempts[message_id] == 1
                and self.picked_for_temporary_refusal(message_id)
            ):
                self.refused_temporarily[message_id] += 1
                self.refused_temporarily_at[message_id] = time.time()
                return self.temporary_with
            self.raw.append(content)
            self.message_ids[message_id] += 1
            self.accepted_at.setdefault(message_id, []).append(time.time())
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.Message]:
        with self._lock:
            raw = list(self.raw)
        return [email.message_from_bytes(content) for content in raw]

    def __len__(self) -> int:
        with self._lock:
            return len(self.raw)


class _Handler:
    """What the server calls. Not the Inbox itself: aiosmtpd looks over its handler's members
    (inspect.getmembers) for every connection it accepts, which would read Inbox.messages and
    parse every message received so far, blocking the server for seconds once thousands have
    arrived (the benchmark's clients reconnect after a kill or a refusal)."""

    def __init__(self, inbox: Inbox):
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return await self.inbox.handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        return await self.inbox.handle_DATA(server, session, envelope)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """Use as a context manager; ``env`` points the app's SMTP settings at it. Keyword
    arguments go to Inbox (refusing some recipients, or a share of messages once each)."""

    def __init__(self, refuse_with: str = "", **refusals):
        self.inbox = Inbox(refuse_with, **refusals)
        self.port = free_port()
        self.controller = Controller(_Handler(self.inbox), hostname="127.0.0.1", port=self.port)

    @property
    def env(self) -> dict[str, str]:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "false"}

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
