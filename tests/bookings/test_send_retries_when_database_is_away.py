"""A send task that meets a database not answering is retried in seconds, not dropped: the
rows would otherwise wait for the dispatcher's next hand-over after the database is back."""

from unittest import mock

import pytest
from django.db import OperationalError

from bookings import tasks


def test_a_send_that_meets_a_silent_database_is_retried_in_ten_seconds():
    with (
        mock.patch.object(tasks.outbox, "outbound_emails_send", side_effect=OperationalError("did not answer")),
        mock.patch.object(tasks.send_outbound_emails, "retry", side_effect=RuntimeError("retried")) as retry,
        pytest.raises(RuntimeError, match="retried"),
    ):
        tasks.send_outbound_emails.run([1, 2])

    assert retry.call_count == 1
    assert isinstance(retry.call_args.kwargs["exc"], OperationalError)
    assert tasks.send_outbound_emails.default_retry_delay == 10
    assert tasks.send_outbound_emails.max_retries == 30


def test_a_send_that_fails_for_another_reason_is_not_retried():
    with (
        mock.patch.object(tasks.outbox, "outbound_emails_send", side_effect=ValueError("a bug")),
        mock.patch.object(tasks.send_outbound_emails, "retry") as retry,
        pytest.raises(ValueError, match="a bug"),
    ):
        tasks.send_outbound_emails.run([1])

    retry.assert_not_called()
