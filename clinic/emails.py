"""The one way the app sends email.

Each email is three templates under templates/emails/: ``<name>-subject.txt``,
``<name>-body.txt`` and ``<name>-body.html``. Templates must never contain health details:
only that a booking exists, when, with whom, and links back to the site.
"""

import contextlib
import re
import smtplib
import socket
import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import smtp
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string

# One open SMTP connection per worker thread: opening a connection (and TLS) for every
# message would cost more than sending it.
_local = threading.local()


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Returns (subject, text body, html body) for the named templates."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send_email(
    name: str,
    *,
    to: Iterable[str],
    context: dict,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
    record_sent: Callable[[], None] | None = None,
) -> None:
    """Renders and sends one email; SMTP errors propagate so a task can retry or record them.

    ``record_sent``, if given, records that the email went. Over SMTP it runs once the server
    has the whole message but before the final "." line that makes the server take it, so a
    process killed at any moment leaves either the email undelivered and unrecorded (the
    server drops a message whose connection closes before that line) or both; if it raises,
    the connection is dropped and the server never takes the message. With the other
    backends it runs just after sending."""
    subject, text, html = render_email(name, context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to), headers=headers or {})
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)

    recorded = False

    def record_once() -> None:
        nonlocal recorded
        recorded = True
        record_sent()

    hook = record_once if record_sent else None
    try:
        try:
            _deliver(_connection(), message, hook)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            _close_connection()
            if recorded:
                raise  # the server may have taken it: sending it again could deliver it twice
            # The server closed our idle connection: open a new one and try once more.
            _deliver(_connection(), message, hook)
    except Exception:
        _close_connection()
        raise
    if record_sent and not recorded:
        record_once()


def _deliver(connection, message: EmailMultiAlternatives, record_sent: Callable[[], None] | None) -> None:
    if record_sent and isinstance(connection, SMTPBackend):
        connection.send_recording(message, record_sent)
    else:
        connection.send_messages([message])


class _RecordBeforeAccepting:
    """An smtplib connection whose DATA command sends the message, calls ``record_sent``,
    and only then sends the "." line with which the server accepts the message."""

    record_sent: Callable[[], None] | None = None

    def connect(self, *args, **kwargs):
        reply = super().connect(*args, **kwargs)
        # The "." line follows the message as a separate small write; with Nagle's algorithm
        # on it would wait for the server's delayed ACK of the message, tens of milliseconds.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def data(self, msg):
        if self.record_sent is None:
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", msg)  # a line holding only "." would end it early
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body)
        try:
            self.record_sent()
        except BaseException:
            # Drop the connection without QUIT (which would only be more message text now):
            # the server discards a message whose connection closes before the "." line.
            self.close()
            raise
        self.send(b".\r\n")
        return self.getreply()


class _SMTP(_RecordBeforeAccepting, smtplib.SMTP):
    pass


class _SMTP_SSL(_RecordBeforeAccepting, smtplib.SMTP_SSL):
    pass


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP backend that can record a message as sent before the server takes it."""

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP

    def send_recording(self, message: EmailMultiAlternatives, record_sent: Callable[[], None]) -> None:
        self.open()
        self.connection.record_sent = record_sent
        try:
            self.send_messages([message])
        except BaseException:
            self.close()  # the connection may be mid-message: the next send starts afresh
            raise
        finally:
            if self.connection is not None:
                self.connection.record_sent = None


def _connection():
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _local.connection = connection
    return connection


def _close_connection() -> None:
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        # Closing a broken connection may fail too; it is gone either way.
        with contextlib.suppress(Exception):
            connection.close()


@receiver(setting_changed)
def _forget_connection_when_email_settings_change(*, setting: str, **kwargs) -> None:
    # Tests switch backends with override_settings; an open connection would outlive it.
    if setting.startswith("EMAIL_"):
        _close_connection()
