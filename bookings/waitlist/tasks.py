"""The waitlist's beat task (found by clinic.celery's autodiscovery of bookings.waitlist)."""

from celery import shared_task

from bookings.waitlist.offers import waitlist_run as run


@shared_task(name="bookings.waitlist_run")
def waitlist_run() -> int:
    """Lapses, ended entries and new offers (bookings.waitlist.offers.waitlist_run). A run
    that could not start within its minute is dropped: the next does the same work."""
    return run()
