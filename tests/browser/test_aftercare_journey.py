"""A therapist completes a session; aftercare goes out through a real worker to a real SMTP
server; the client reads the aftercare page the emails link to and says it flared up; the therapist
sees the alert; the client stops aftercare emails (confirming that too)."""

import contextlib
import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.messaging import outbox
from bookings.models import AftercareOptOut, Booking, OutboundEmail
from clinic.problems import Problem

from ..factories import make_booking
from ..smtp import SMTPServer
from ..workers import start_worker, stop_worker, wait_for, worker_env
from .helpers import assert_accessible, log_in, screenshot

# On the real clock: the Celery worker it starts is another process, which a frozen clock would not reach.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def a_worker(smtp, tmp_path, worker_settings: dict):
    """One real worker for the whole journey, sending to `smtp`: each start takes seconds."""
    worker = start_worker(worker_env(tmp_path, **worker_settings, **smtp.env))
    try:
        yield worker
    finally:
        if worker.poll() is None:
            stop_worker(worker)


def deliver_due(smtp, worker, expected: int) -> None:
    """Runs the dispatcher and waits until `expected` emails have reached the server."""
    OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).update(due_at=timezone.now())
    outbox.outbound_emails_dispatch()
    arrived = wait_for(lambda: len(smtp.inbox) >= expected)
    assert arrived, stop_worker(worker)


def test_aftercare_reaches_the_client_and_a_flare_reaches_the_therapist(page, tmp_path, asha, alice, sending_all_day):
    now = timezone.localtime().replace(second=0, microsecond=0)
    # Started today in London (two hours ago, or at midnight when it is earlier than 02:00), so
    # its "rest of today" email is still to come whatever the hour the suite runs.
    start = max(now - dt.timedelta(hours=2), now.replace(hour=0, minute=0))
    booking = make_booking(therapist=asha, client=alice, start=start, client_name="Alice Walker")

    log_in(page, "asha")
    page.goto(f"/diary/day/{timezone.localtime(start).date().isoformat()}/")
    page.get_by_role("link", name=re.compile("Attended: add notes")).click()
    expect(page.get_by_role("heading", name="Session notes")).to_be_visible()
    # At the start of the session: the client's consent to treatment, before any notes.
    page.get_by_label("the client agreed to the treatment").check()
    page.get_by_role("button", name="Confirm consent").click()
    page.get_by_role("group", name="Areas worked: body chart").get_by_role("checkbox", name="Calf, left").check()
    page.get_by_label("Pressure used (0-10)").select_option("7")
    page.get_by_label("The client's problem").select_option(Problem.ACHILLES.value)
    page.get_by_label(re.compile("A tip for the client")).fill("Slow heel raises on the stairs, twice a day.")
    screenshot(page, f"session-notes-{page.viewport_name}")
    page.get_by_role("button", name="Save and mark attended").click()
    expect(page.get_by_text("Aftercare emails are on their way.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED

    with SMTPServer() as smtp, a_worker(smtp, tmp_path, sending_all_day) as worker:
        deliver_due(smtp, worker, expected=3)
        check_in = next(m for m in smtp.inbox.messages if m["Subject"] == "Two days on: how do you feel now?")
        text = (
            next(part for part in check_in.walk() if part.get_content_type() == "text/plain")
            .get_payload(decode=True)
            .decode()
        )
        assert "Achilles" not in text and "heel raises" not in text.lower()  # the advice is on the page
        check_in_page = re.search(r"Answer the check-in: https?://[^/]+(/\S+)", text).group(1)
        stop = re.search(r"https?://[^/\s]+(/aftercare/stop/\S+/)", text).group(1)

        # Opening the link (as a mail scanner would) only shows the page; the button records the answer.
        page.goto(check_in_page)
        expect(page.get_by_role("heading", name="Your aftercare")).to_be_visible()
        expect(page.get_by_text("Slow heel raises on the stairs, twice a day.")).to_be_visible()
        booking.refresh_from_db()
        assert booking.feedback == ""
        screenshot(page, f"aftercare-page-{page.viewport_name}")
        assert_accessible(page)
        page.get_by_label("It flared up for more than a day").check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("heading", name="Thank you for letting us know")).to_be_visible()
        booking.refresh_from_db()
        assert booking.feedback == "flared"
        screenshot(page, f"aftercare-feedback-{page.viewport_name}")

        deliver_due(smtp, worker, expected=4)
        alert = next(m for m in smtp.inbox.messages if "has answered the check-in" in m["Subject"])
        assert alert["To"] == "asha@example.com"
        assert all(count == 1 for count in smtp.inbox.message_ids.values())

    log_in(page, "asha")
    page.goto(f"/bookings/{booking.pk}/")
    expect(page.get_by_text("Two days after: “It flared up for more than a day”")).to_be_visible()
    screenshot(page, f"booking-detail-flare-{page.viewport_name}")

    page.goto(stop)
    expect(page.get_by_role("heading", name="Stop aftercare emails?")).to_be_visible()
    assert not AftercareOptOut.objects.exists()
    screenshot(page, f"aftercare-stop-confirm-{page.viewport_name}")
    assert_accessible(page)
    page.get_by_role("button", name="Stop aftercare emails").click()
    expect(page.get_by_role("heading", name="Aftercare emails stopped")).to_be_visible()
    assert AftercareOptOut.objects.filter(email="alice@example.com").exists()
