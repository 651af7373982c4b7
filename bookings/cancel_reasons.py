"""The reasons staff give a client for cancelling or declining a booking. They go into an email,
which can be read on a lock screen or by someone else: so the words are ours, chosen from this
list, with optional words of the staff's own that the page warns them about (never a condition,
a symptom or a treatment)."""

from clinic.errors import ServiceError

REASONS = {
    "therapist_unavailable": "Your therapist is no longer available at that time.",
    "clinic_closed": "The clinic is closed at that time.",
    "talk_first": "We would like to talk with you before booking this session: please call us.",
    "another_session": "A different session would suit you better: please call us to choose one.",
    "booked_twice": "The same session was booked twice by mistake; your other booking stands.",
    "client_asked": "You asked us to cancel it.",
    "other": "",  # the staff's own words, below, are the reason
}
CHOICES = [
    ("therapist_unavailable", "The therapist is not available then"),
    ("clinic_closed", "The clinic is closed then"),
    ("talk_first", "We need to talk with the client first"),
    ("another_session", "Another session would suit them better"),
    ("booked_twice", "Booked twice by mistake"),
    ("client_asked", "The client asked us to cancel"),
    ("other", "Other: say it in your own words below"),
]
WORDS_MAX = 300


class ReasonRefused(ServiceError):
    """A reason the page should ask for again: nothing was changed."""


def reason_for_client(choice: str, words: str) -> str:
    """The sentence the client reads: the chosen reason's words, then the staff's own (at most
    WORDS_MAX characters). Raises ReasonRefused for no choice, or "other" without words."""
    words = " ".join(words.split())[:WORDS_MAX]
    if choice not in REASONS:
        raise ReasonRefused("Choose the reason the client will read.")
    if choice == "other" and not words:
        raise ReasonRefused("Write the reason in your own words, or choose one from the list.")
    return " ".join(part for part in (REASONS[choice], words) if part)
