from celery import shared_task

from . import outbox


@shared_task(name="bookings.dispatch_outbound_emails")
def dispatch_outbound_emails() -> int:
    return outbox.outbound_emails_dispatch()


@shared_task(name="bookings.send_outbound_email")
def send_outbound_email(email_id: int) -> str:
    return outbox.outbound_email_send(email_id=email_id)
