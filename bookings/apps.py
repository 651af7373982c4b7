from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from therapists.signals import registration_event_recorded

        registration_event_recorded.connect(_write_registration_notices, dispatch_uid="bookings.registration_notices")


def _write_registration_notices(*, event, **kwargs) -> None:
    from .registration_notices import registration_notices_schedule

    registration_notices_schedule(event=event)
