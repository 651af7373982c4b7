from celery import shared_task

from . import outbox, registration_notices


@shared_task(name="bookings.dispatch_outbound_emails")
def dispatch_outbound_emails() -> int:
    return outbox.outbound_emails_dispatch()


@shared_task(name="bookings.send_outbound_emails")
def send_outbound_emails(email_ids: list[int]) -> dict[int, str]:
    return outbox.outbound_emails_send(email_ids=email_ids)


@shared_task(name="bookings.registration_event_notify")
def registration_event_notify(event_id: int) -> None:
    registration_notices.registration_event_send(event_id=event_id)
