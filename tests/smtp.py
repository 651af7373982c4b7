"""A real SMTP server on 127.0.0.1 for tests and benchmarks (aiosmtpd), counting what arrives."""

import email
import email.message
import email.parser
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller


class Inbox:
    """What the server accepted. Only the headers are parsed as mail arrives (to count
    Message-IDs): in the benchmark the server shares two cores with the worker it measures."""

    def __init__(self, refuse_with: str = ""):
        self.refuse_with = refuse_with  # an SMTP reply, say "554 No thanks", refuses every message
        self.raw: list[bytes] = []
        self.message_ids: Counter = Counter()
        self._lock = threading.Lock()
        self._header_parser = email.parser.BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            return self.refuse_with
        content = envelope.original_content or envelope.content
        message_id = self._header_parser.parsebytes(content)["Message-ID"]
        with self._lock:
            self.raw.append(content)
            self.message_ids[message_id] += 1
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.Message]:
        with self._lock:
            raw = list(self.raw)
        return [email.message_from_bytes(content) for content in raw]

    def __len__(self) -> int:
        with self._lock:
            return len(self.raw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """Use as a context manager; ``env`` points the app's SMTP settings at it."""

    def __init__(self, refuse_with: str = ""):
        self.inbox = Inbox(refuse_with)
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def env(self) -> dict[str, str]:
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "false"}

    def __enter__(self) -> "SMTPServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
