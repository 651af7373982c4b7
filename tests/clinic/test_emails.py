"""clinic.emails.send_email: any Django backend, and it returns once the server has the message."""

import pytest
from django.core import mail

from clinic.emails import send_email

from ..smtp import SMTPServer

# Every email ends with the clinic's details, read from the database on a cold cache.
pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False
        yield server


def send_reminder_to_alice(message_id: str) -> None:
    send_email(
        "registration_reminder",
        to=["alice@example.com"],
        context={"therapist": {"display_name": "Alice"}, "days_left": 7, "audience": "therapist"},
        headers={"Message-ID": message_id},
    )


def test_it_returns_once_the_server_has_accepted_the_message(smtp):
    send_reminder_to_alice("<one@test>")

    assert smtp.inbox.message_ids == {"<one@test>": 1}


def test_it_reopens_a_connection_the_server_closed_between_messages(smtp):
    from clinic import emails

    send_reminder_to_alice("<first@test>")
    emails._connection().connection.sock.close()  # as a server's idle timeout would
    send_reminder_to_alice("<second@test>")

    assert smtp.inbox.message_ids == {"<first@test>": 1, "<second@test>": 1}


def test_it_sends_through_any_django_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    send_reminder_to_alice("<locmem@test>")

    assert [message.extra_headers["Message-ID"] for message in mail.outbox] == ["<locmem@test>"]
