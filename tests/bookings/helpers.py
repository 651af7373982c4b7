import datetime

from bookings.models import Booking, SessionType

from ..factories import make_session_type, make_user


def make_booking(*, therapist, start: datetime.datetime, minutes: int = 60, status: str = Booking.Status.CONFIRMED, client=None) -> Booking:
    session_type = SessionType.objects.first() or make_session_type()
    client = client or make_user(f"client{Booking.objects.count() + 1}")
    return Booking.objects.create(
        client=client, therapist=therapist, session_type=session_type, start=start,
        end=start + datetime.timedelta(minutes=minutes), status=status,
    )
