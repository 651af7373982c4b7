"""The SMTP backend records a message as sent before the server takes it."""

import pytest
from django.core.mail import EmailMessage, get_connection

from ..smtp import SMTPServer
from ..workers import wait_for


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "clinic.emails.SMTPBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False
        yield server


def message(message_id: str, body: str = "Hello") -> EmailMessage:
    return EmailMessage("Your booking", body, to=["alice@example.com"], headers={"Message-ID": message_id})


def test_the_message_is_recorded_after_it_is_transmitted_and_before_the_server_takes_it(smtp):
    backend = get_connection()
    arrived_when_recorded = []

    backend.send_recording(message("<one@test>"), lambda: arrived_when_recorded.append(len(smtp.inbox)))
    backend.close()

    assert arrived_when_recorded == [0]
    assert list(smtp.inbox.message_ids) == ["<one@test>"]


def test_lines_starting_with_a_dot_arrive_intact(smtp):
    backend = get_connection()

    backend.send_recording(message("<dots@test>", body="Stretch.\n.\n..then rest\n"), lambda: None)
    backend.close()

    [received] = smtp.inbox.messages
    assert received.get_payload().splitlines() == ["Stretch.", ".", "..then rest"]


def test_a_message_that_cannot_be_recorded_never_reaches_the_server(smtp):
    backend = get_connection()

    def recording_fails():
        raise RuntimeError("the database is not answering")

    with pytest.raises(RuntimeError):
        backend.send_recording(message("<lost@test>"), recording_fails)
    backend.send_recording(message("<next@test>"), lambda: None)
    backend.close()

    assert wait_for(lambda: len(smtp.inbox) == 1, timeout=5)
    assert list(smtp.inbox.message_ids) == ["<next@test>"]
