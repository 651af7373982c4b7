"""Beat's waitlist entry runs on a real worker: sent as beat sends it (by name, with its
options), a worker offers a cancelled time to the client waiting for it."""

import datetime

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from bookings.models import FreedTime, WaitlistOffer
from bookings.services.booking_changes import booking_cancel

from ..factories import make_booking, make_waitlist_entry
from ..workers import start_worker, stop_worker, wait_for, worker_env


@pytest.mark.django_db(transaction=True)
def test_beats_waitlist_run_offers_a_cancelled_time_on_a_real_worker(tmp_path, asha, alice, sports, sending_all_day):
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)
    cancelled = make_booking(therapist=asha, session_type=sports, start=start)
    booking_cancel(booking_id=cancelled.pk, now=timezone.now())
    FreedTime.objects.update(offer_from=timezone.now())  # past the undo delay
    entry = make_waitlist_entry(alice, sports, first_day=timezone.localdate(), last_day=start.date())
    beat_entry = settings.CELERY_BEAT_SCHEDULE["waitlist-run"]

    current_app.send_task(beat_entry["task"], **beat_entry.get("options", {}))
    worker = start_worker(worker_env(tmp_path, **sending_all_day))
    try:
        offered = wait_for(lambda: WaitlistOffer.objects.filter(entry=entry).exists())
    finally:
        output = stop_worker(worker)

    assert offered, output
    assert WaitlistOffer.objects.get(entry=entry).hold.start == start
