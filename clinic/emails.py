"""The one way the app sends email.

Each email is three templates under templates/emails/: ``<name>-subject.txt``,
``<name>-body.txt`` and ``<name>-body.html``. The two .txt ones render with the "text" template
engine, which escapes nothing: a plain-text part is not HTML. Templates must never contain health details:
only that a booking exists, when, with whom, and links back to the site.
"""

import contextlib
import smtplib
import threading
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string

from .selectors import clinic_get

# One open SMTP connection per worker thread: opening a connection (and TLS) for every
# message would cost more than sending it.
_local = threading.local()


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Returns (subject, text body, html body) for the named templates."""
    context = {"site_url": settings.SITE_URL, "clinic": clinic_get(), **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context, using="text").split())
    # Every plain-text body ends with the same footer, the way the HTML ones extend base.html.
    text = render_to_string(f"emails/{name}-body.txt", context, using="text").rstrip("\n") + "\n"
    text += render_to_string("emails/_footer.txt", context, using="text")
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send_email(
    name: str,
    *,
    to: Iterable[str],
    context: dict,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    headers: dict[str, str] | None = None,
) -> None:
    """Renders and sends one email through the configured Django backend; returns once the
    server has accepted it (SMTP's 250). Errors propagate so the caller can retry or record
    them. A reused connection the server has closed is reopened once, unless the message had
    begun to go (DeliveryUncertain: the server may have it, and a second try would be a copy)."""
    subject, text, html = render_email(name, context)
    # A reply reaches the clinic's own inbox, whatever address sends the mail (pages say "reply to
    # the email"): the clinic's address from its details, else none.
    clinic_email = getattr(context.get("clinic") or clinic_get(), "email", "")
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=list(to), headers=headers or {}, reply_to=[clinic_email] if clinic_email else []
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        try:
            _send_once(message)
        except smtplib.SMTPServerDisconnected:
            # The server closed our idle connection before this message's DATA began (after
            # it, _send_once raises DeliveryUncertain instead): nothing of it reached the
            # server, so open a new connection and try once more.
            _close_connection()
            _send_once(message)
    except Exception:
        _close_connection()
        raise


class DeliveryUncertain(Exception):
    """The connection failed once the message had gone to the server (its DATA had begun),
    before the server's answer: it may have stored the message and will deliver it. Sending
    it again would make a second copy, so send_email never does; the caller decides."""


def _send_once(message: EmailMultiAlternatives) -> None:
    connection = _connection()
    smtp = getattr(connection, "connection", None)  # smtplib's client, for the SMTP backend
    if smtp is not None:
        smtp.clinic_data_began = False
    try:
        connection.send_messages([message])
    except smtplib.SMTPResponseException:
        raise  # the server answered: refused, not uncertain
    except OSError as error:  # disconnected or timed out (smtplib's errors are OSErrors too)
        if getattr(smtp, "clinic_data_began", False):
            raise DeliveryUncertain(repr(error)) from error
        raise


def _noting_data(smtp: smtplib.SMTP) -> None:
    """Marks on the client when a message's DATA begins: a failure after that point may come
    after the server stored the message, so it must not be sent again in the same attempt."""
    data = smtp.data

    def noted(msg):
        smtp.clinic_data_began = True
        return data(msg)

    smtp.data = noted


def _connection():
    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        if isinstance(getattr(connection, "connection", None), smtplib.SMTP):
            _noting_data(connection.connection)
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
