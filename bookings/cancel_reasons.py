"""The reasons staff give a client for cancelling or declining a booking. They go into an email,
which can be read on a lock screen or by someone else, so every word the client reads is ours:
staff choose from this list, and nothing they type themselves is ever sent (a therapist's own
words are where "she is in her first trimester" would slip in)."""

from dataclasses import dataclass

from clinic.errors import ServiceError


@dataclass(frozen=True)
class Reason:
    for_staff: str  # what the page's list says
    for_client: str  # what the client's email says


# The staff's words are short: the list is a select on a phone, about 30 characters wide.
REASONS = {
    "therapist_unavailable": Reason("Therapist not available then", "The therapist is not available at that time."),
    "clinic_closed": Reason("Clinic closed then", "The clinic is closed at that time."),
    "talk_first": Reason(
        "Not suitable: talk first", "This session is not suitable as booked; please call us to talk it through."
    ),
    "another_session": Reason(
        "Another session suits better", "A different session would suit you better; please call us to choose one."
    ),
    "booked_twice": Reason(
        "Booked twice by mistake", "The same session was booked twice by mistake; your other booking stands."
    ),
    "client_asked": Reason("Client asked us to cancel", "You asked us to cancel it."),
    "other": Reason(
        "Other: we ask them to call",
        "We cannot keep this booking; please call us and we will explain and find you another time.",
    ),
}
CHOICES = list(REASONS.items())


class ReasonRefused(ServiceError):
    """A reason the page should ask for again: nothing was changed."""


def reason_for_client(choice: str) -> str:
    """The sentence the client reads for the chosen reason: always our words. Raises
    ReasonRefused when no reason from the list was chosen."""
    if choice not in REASONS:
        raise ReasonRefused("Choose the reason the client will read.")
    return REASONS[choice].for_client
