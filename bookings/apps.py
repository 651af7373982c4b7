from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from therapists.signals import registration_event_recorded

        registration_event_recorded.connect(_queue_registration_notice, dispatch_uid="bookings.registration_notice")


def _queue_registration_notice(*, event_id: int, **kwargs) -> None:
    # Sent on commit by the therapists app; the task takes the id, never the row.
    from .tasks import registration_event_notify

    registration_event_notify.delay(event_id)
