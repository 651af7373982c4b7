"""The details form asked in two steps on the booking page: the health screen first, so a
client whose answers stop an online booking learns it before typing anything else, then who
they are and their agreement. Each page posts the whole form, the step not shown travelling as
hidden inputs, so the last POST is validated as one form and booking_create sees exactly what
a single page would send (a waitlist offer still shows every question on one page)."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from bookings.details.form import BookingDetailsForm

HEALTH, ABOUT_YOU = "health", "about-you"
# What the page's buttons send as ``step``: on to the second page, back to the first, or book.
CONTINUE, BACK, CONFIRM = "continue", "back", "confirm"

# The second step: what the client wants from the session, who is coming, their agreement.
ABOUT_YOU_FIELDS = frozenset(
    {"preferred_pressure", "notes", "pain_now", "activity_1", "activity_1_score", "activity_2", "activity_2_score"}
    | {"name", "email", "phone", "adult", "date_of_birth", "guardian_name", "guardian_consent", "room"}
    | {"consent", "marketing"}
)
# The time, therapist and key chosen on the slot page: hidden on both pages; a mistake in them
# is shown on the first.
CHOSEN_ON_THE_SLOT_PAGE = frozenset({"therapist", "start", "idempotency_key"})


def button_pressed(data) -> str:
    """The button that sent ``data``; a POST naming none books, as the one-page form did."""
    return {CONTINUE: CONTINUE, BACK: BACK}.get(data.get("step"), CONFIRM)


def step_of(field_name: str) -> str:
    return ABOUT_YOU if field_name in ABOUT_YOU_FIELDS else HEALTH


def has_mistakes(form: BookingDetailsForm, step: str) -> bool:
    """Whether a field asked on ``step`` has a mistake (on the first step, the slot page's
    choices too: its summary links back to that page). A mistake about the form as a whole
    (the time was just taken) belongs to neither: the summary shows it on either page."""
    for name in form.errors:
        if name in CHOSEN_ON_THE_SLOT_PAGE:
            if step == HEALTH:
                return True
        elif name != NON_FIELD_ERRORS and step_of(name) == step:
            return True
    return False


def step_to_show(form: BookingDetailsForm) -> str:
    """After a POST that did not book: the first step with a mistake on it, else the second,
    where the Confirm button is (the time just taken, with the nearest free times to choose)."""
    return HEALTH if has_mistakes(form, HEALTH) else ABOUT_YOU


def show(form: BookingDetailsForm, step: str) -> BookingDetailsForm:
    """``form`` to show on ``step``: its error summary names only that step's fields."""
    form.shown_fields = {name for name in form.fields if step_of(name) == step} - CHOSEN_ON_THE_SLOT_PAGE
    return form


def carried(form: BookingDetailsForm, step: str) -> list[forms.BoundField]:
    """The other step's fields, rendered as hidden inputs on ``step``'s page."""
    return [form[name] for name in form.fields if name not in CHOSEN_ON_THE_SLOT_PAGE and step_of(name) != step]


def without_mistakes(form: BookingDetailsForm) -> BookingDetailsForm:
    """The same answers in a form with no mistakes shown: the second step as the first opens it
    (nothing asked there has been answered wrong yet), or the first again from the second."""
    initial = {name: form[name].value() for name in form.fields}
    return BookingDetailsForm(
        initial=initial, on_behalf=form.on_behalf, rooms=form.rooms, last_answers=form.last_answers
    )
