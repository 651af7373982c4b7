"""The errors every booking service raises, each with the sentence the person who asked reads.
bookings.services.booking imports them, so callers reach them there as before."""

from bookings.clinical import health
from bookings.slots.selectors import Slot
from clinic.errors import ServiceError
from clinic.models import SessionType


class BookingError(ServiceError):
    """A booking could not be made or changed; ``message`` says why, for the person who asked."""


class SlotNotFree(BookingError):
    """The time asked for is not free; the message says why, with the nearest free times."""

    def __init__(self, message: str, alternatives: list[Slot]):
        super().__init__(message)
        self.alternatives = alternatives


class SlotTaken(SlotNotFree):
    """A real race: another booking took the time after it was offered."""

    def __init__(self, alternatives: list[Slot]):
        super().__init__("Sorry, that time has just been taken. Please choose another.", alternatives)


class ClinicBusy(BookingError):
    def __init__(self):
        super().__init__("We are taking a lot of bookings right now. Please try again in a moment.")


class NoRoomSuits(BookingError):
    def __init__(self, session_type: SessionType):
        super().__init__(
            f"No treatment room in use suits a {session_type} at the moment, so it cannot be booked. "
            "Please choose another session, or call the clinic."
        )


class IdempotencyKeyReused(BookingError):
    def __init__(self):
        super().__init__(
            "This form has already made a booking, with other details; we emailed its confirmation. "
            "To change that booking, use the link in that email. To make another booking with these "
            "details, send the form again."
        )


class HealthScreenStops(BookingError):
    def __init__(self, assessment: health.Assessment):
        super().__init__("Please get checked before booking a massage.")
        self.assessment = assessment
