"""Clinical records held after the client asked for erasure are restricted (UK GDPR art. 18):
kept, but not used. A held booking carries Booking.restricted_until (set by
bookings.privacy.my_data when it is held, cleared when it is erased), is left out of every
staff list and search (BookingQuerySet.not_restricted), and is opened only by staff holding
bookings.view_health_data who give a reason, which the health data access log keeps. An
opening lasts OPEN_MINUTES for that booking, in the signed-in session."""

import datetime

from bookings.models import HEALTH_DATA_PERMISSION, Booking, HealthDataAccess
from clinic.errors import ServiceError

OPEN_MINUTES = 15
SESSION_KEY = "held_records_open"


class HeldOpenRefused(ServiceError):
    """A held record cannot be opened this way; the message says what to do."""


def held_may_open(user) -> bool:
    """Only staff allowed to read health data open a held record: its own therapist is not
    enough once the client asked for erasure."""
    return user.is_active and user.has_perm(HEALTH_DATA_PERMISSION)


def held_record_open(*, user, booking: Booking, reason: str, session, now: datetime.datetime) -> HealthDataAccess:
    """Opens a held booking to ``user`` for OPEN_MINUTES, recording who, when and why.
    Refused (HeldOpenRefused, nothing recorded) without a reason; the caller has checked
    held_may_open."""
    reason = " ".join(reason.split())
    if not reason:
        raise HeldOpenRefused("Give a reason to open this held record: it is recorded with your name.")
    access = HealthDataAccess.objects.create(
        accessed_by=user,
        booking=booking,
        client_email=booking.client_email,
        via=HealthDataAccess.Via.HELD_OPEN,
        reason=reason[:500],
    )
    still_open = {key: until for key, until in session.get(SESSION_KEY, {}).items() if until > now.timestamp()}
    still_open[str(booking.pk)] = (now + datetime.timedelta(minutes=OPEN_MINUTES)).timestamp()
    session[SESSION_KEY] = still_open
    return access


def held_is_open(*, booking: Booking, session, now: datetime.datetime) -> bool:
    """Whether the booking may be shown: it is not held, or this session opened it with a
    reason less than OPEN_MINUTES ago."""
    if not booking.is_restricted:
        return True
    return session.get(SESSION_KEY, {}).get(str(booking.pk), 0) > now.timestamp()
