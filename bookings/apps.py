from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed
        from celery import current_app

        from bookings.messaging import outbox
        from bookings.privacy import marketing
        from bookings.tasks import send_outbound_emails
        from therapists.signals import registration_event_recorded

        # The outbox sits below the tasks and the privacy room, so they are handed to it here,
        # once, in every process that loads the app: the web, the worker, the tests.
        outbox.publish_with(send_outbound_emails)
        marketing.outbox_checks_register()
        registration_event_recorded.connect(_write_registration_notices, dispatch_uid="bookings.registration_notices")
        # Celery's autodiscovery of the payments' tasks (clinic/celery.py), done now in every
        # process and not only in the worker: the task the lifecycle queues by name from below
        # the payments room (bookings.models.payment_terms.money_settle_soon) is then known
        # wherever it is queued, and runs in this process when tests run tasks eagerly.
        current_app.autodiscover_tasks(["bookings.payments"], force=True)
        email_confirmed.connect(_claim_bookings, dispatch_uid="bookings.claim_bookings")


def _write_registration_notices(*, event, **kwargs) -> None:
    from bookings.messaging.registration_notices import registration_notices_schedule

    registration_notices_schedule(event=event)


def _claim_bookings(*, email_address, **kwargs) -> None:
    from bookings.privacy.claims import bookings_claim

    bookings_claim(user=email_address.user, email=email_address.email)
