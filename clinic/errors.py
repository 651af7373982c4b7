"""The one family of refusals the services raise: ServiceError and what derives from it."""


class ServiceError(Exception):
    """A service refused what it was asked, for a reason the person who asked should read.

    ``message`` (also ``str(error)``) is that sentence, written for them: what was refused and,
    where there is one, what to do instead. Views show ``.message`` (as a form error or a
    message at the top of the page) and never a traceback; the admin and forms that call a
    service turn it into a ValidationError with the same words. Nothing was changed: a service
    refuses before it writes, or inside the transaction it rolls back.

    Each service names its refusals as subclasses (SlotNotFree, ErasureRefused...), which may
    carry what the page needs to help, such as the bookings in the way. Errors field by field
    (a name left blank) stay Django's ValidationError, which forms show beside their fields;
    infrastructure signals (a mail server down, to be retried) are not ServiceErrors either.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
