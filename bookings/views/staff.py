"""Pages for the booking's therapist and the clinic's admins: who is coming and why, and
marking a session attended with notes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings import cancel_reasons
from bookings.clinical import body_chart, health, pressure
from bookings.clinical.aftercare import PROBLEM_ADVICE
from bookings.clinical.body_chart import AREAS_FOR_PROBLEM
from bookings.models import Booking, HealthDataAccess, SessionNote
from bookings.models.payment_terms import money_of
from bookings.privacy import held
from bookings.privacy.health_access import health_data_access_record
from bookings.records import consent, notes
from bookings.records.doctor_letter import (
    LETTER_MAX_BYTES,
    DoctorLetter,
    LetterRefused,
    doctor_letter_record,
    needs_letter,
)
from bookings.records.forms import SessionNoteAmendForm, SessionNoteForm, TreatmentConsentForm
from bookings.records.selectors import client_progress, client_record, last_session
from bookings.services import booking as booking_services
from bookings.services import booking_changes, outcome
from bookings.views.doctor_letter import AT_SESSION, letter_file_response, letter_from_post
from clinic.problems import Problem
from clinic.upload_limits import upload_limit
from therapists.models import Therapist


def booking_for_staff(request, booking_id: int) -> Booking:
    """The booking, for its own therapist or staff allowed to read health data; anyone else
    gets 404, as if it did not exist, because its health answers are special category data."""
    booking = get_object_or_404(
        Booking.objects.select_related("therapist__user", "session_type", "room", "health_screen", "session_note"),
        pk=booking_id,
    )
    if not booking.is_open_to_staff(request.user) or (booking.is_restricted and not held.held_may_open(request.user)):
        raise Http404
    return booking


def _held_gate(request, booking: Booking, page: str):
    """For a booking held after erasure and not yet opened in this session: the redirect to
    the page that asks why (then back to ``page``). None when the page may be shown."""
    if held.held_is_open(booking=booking, session=request.session, now=timezone.now()):
        return None
    return redirect(f"{reverse('held_booking_open', args=[booking.pk])}?next={page}")


# Where the held record's gate may send its opener back to: a name, never a URL.
HELD_PAGES = {"record": "booking_client_record", "booking": "booking_detail", "admin": "admin:bookings_booking_change"}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def held_booking_open(request, booking_id: int):
    """A record held after the client asked for erasure: a GET says so and asks why it is
    needed; a POST with a reason records it in the health data access log and opens the
    record for a few minutes. Staff without the health permission get 404."""
    booking = get_object_or_404(
        Booking.objects.select_related("therapist", "session_type"), pk=booking_id, restricted_until__isnull=False
    )
    if not held.held_may_open(request.user):
        raise Http404
    page = request.GET.get("next") if request.GET.get("next") in HELD_PAGES else "booking"
    if request.method == "POST":
        try:
            held.held_record_open(
                user=request.user,
                booking=booking,
                reason=request.POST.get("reason", ""),
                session=request.session,
                now=timezone.now(),
            )
        except held.HeldOpenRefused as refused:
            messages.error(request, refused.message)
        else:
            return redirect(HELD_PAGES[page], booking.pk)
    return render(
        request,
        "bookings/held_open.html",
        {"booking": booking, "next": page, "reason": request.POST.get("reason", "")},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@upload_limit(LETTER_MAX_BYTES)  # the copy of a doctor's letter, when the therapist records one
def booking_detail(request, booking_id: int):
    """Who is coming and why: the booking, the client's health answers, its emails; the
    therapist accepts a booking awaiting review, and the therapist or an admin can cancel."""
    booking = booking_for_staff(request, booking_id)
    if gate := _held_gate(request, booking, "booking"):
        return gate
    if request.method == "POST":
        _booking_detail_action(request, booking)
        return redirect("booking_detail", booking_id=booking.pk)
    screen = getattr(booking, "health_screen", None)
    consent = booking.health_consents.order_by("-given_at").first()
    # Consent to keep the answers withdrawn: only the session's own therapist still sees them
    # (and is asked to ask again); for everyone else they, and the scores, are hidden.
    hidden_since = consent.withdrawn_at if consent and booking.therapist.user_id != request.user.pk else None
    if hidden_since:
        screen = None
    before = last_session(booking=booking)
    # The session before is another booking's notes (often another therapist's): its look is
    # logged against it too, so its own access log is whole.
    for shown in (booking, before.booking) if before else (booking,):
        health_data_access_record(user=request.user, booking=shown, via=HealthDataAccess.Via.BOOKING_PAGE)
    return render(
        request,
        "bookings/booking_detail.html",
        {
            "note": getattr(booking, "session_note", None),
            # The session before this one: its body chart (what was worked, what to avoid) and
            # the flare rule it sets, the same as the notes form's.
            "last": before.booking if before else None,
            "flare": before.flare if before else None,
            "booking": booking,
            **money_of(booking),
            "screen": screen,
            "consent": consent,
            "health_hidden_since": hidden_since,
            "needs_doctors_ok": bool(screen and health.needs_doctors_ok(screen.answered_yes)),
            "letter_missing": needs_letter(screen),
            # Whether the client is getting better, before the next session.
            "progress": None if hidden_since else client_progress(booking=booking, viewer=request.user),
            "answers": [health.QUESTIONS[key] for key in screen.answered_yes if key in health.QUESTIONS]
            if screen
            else [],
            "emails": booking.emails.order_by("due_at"),
            "is_own_therapist": booking.therapist.user_id == request.user.pk,
            "changeable": booking.is_changeable(timezone.now()),
            "cancel_reasons": cancel_reasons.CHOICES,
        },
    )


@never_cache
@login_required
def doctor_letter_copy(request, booking_id: int):
    """The copy of the client's doctor's letter: to the booking's therapist and staff who may
    read health data (anyone else: 404), each look logged."""
    return letter_file_response(booking_for_staff(request, booking_id), request.user)


def _booking_detail_action(request, booking: Booking) -> None:
    """The booking page's buttons: the therapist accepts a booking awaiting review (with the
    doctor's letter seen, or to be seen at the session) or records the letter later; the
    therapist or an admin cancels. The outcome is a message on the page."""
    action = request.POST.get("action")
    own = booking.therapist.user_id == request.user.pk
    try:
        if action == "accept" and own:
            booking_changes.booking_review_accept(
                booking_id=booking.pk,
                therapist=booking.therapist,
                letter=letter_from_post(request),
                see_letter_at_session=request.POST.get("letter") == AT_SESSION,
            )
            messages.success(request, "Booking accepted. The client has been emailed their confirmation.")
        elif action == "doctor_letter" and own:
            doctor_letter_record(
                therapist=booking.therapist,
                booking_id=booking.pk,
                letter=letter_from_post(request) or DoctorLetter(dated=None, from_whom=""),
            )
            messages.success(request, "The doctor's letter is recorded.")
        elif action == "cancel":
            booking_changes.booking_cancel(
                booking_id=booking.pk, cancelled_by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Booking cancelled. The client has been emailed.")
        else:
            messages.error(request, "That action is not available.")
    except (booking_services.BookingError, LetterRefused, cancel_reasons.ReasonRefused) as error:
        messages.error(request, error.message)


def _notes_start(*, screen, problem: str, last: Booking | None, flare) -> dict:
    """The notes form's starting values: the pressure rule's start (bookings.clinical.pressure),
    the areas to avoid carried forward until a therapist unticks them (a region since split as
    the regions that replaced it) with the problem's sore spot, and the problem's usual areas
    worked, less those."""
    carried = body_chart.current(last.session_note.areas_to_avoid) if last else []
    avoid = body_chart.in_chart_order([*carried, *body_chart.AVOID_FOR_PROBLEM.get(problem, [])])
    start = pressure.start_pressure(
        problem=problem,
        preferred=screen.preferred_pressure if screen else None,
        flared_start=flare.suggested_pressure if flare else None,
    )
    return {
        "problem": problem,
        "pressure_used": str(start),
        "areas_to_avoid": avoid,
        "areas_worked": [area for area in AREAS_FOR_PROBLEM.get(problem, []) if area not in avoid],
    }


def _own_booking_to_complete(request, booking_id: int) -> tuple[Therapist, Booking]:
    therapist = Therapist.objects.filter(user=request.user).first()
    if therapist is None:
        raise Http404
    # A record held after erasure is kept, not worked on.
    booking = get_object_or_404(
        Booking.objects.not_restricted().select_related("session_type", "health_screen", "treatment_consent"),
        pk=booking_id,
        therapist=therapist,
    )
    return therapist, booking


def _consent_confirm(request, therapist: Therapist, booking: Booking):
    """The consent step's POST: recorded, back to the notes; refused, the page again with why."""
    form = TreatmentConsentForm(request.POST)
    if form.is_valid():
        try:
            consent.treatment_consent_record(therapist=therapist, booking_id=booking.pk, agreed=True)
        except consent.ConsentRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "Consent to treatment recorded. Write the notes when the session ends.")
            return redirect("session_complete", booking_id=booking.pk), form
    return None, form


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_complete(request, booking_id: int):
    """The therapist confirms the client's consent to treatment at the start, then marks the
    session attended with notes; that plans the client's aftercare."""
    therapist, booking = _own_booking_to_complete(request, booking_id)
    screen = getattr(booking, "health_screen", None)
    problem = screen.main_problem if screen else ""
    # The same session before, and the same flare rule, as the booking page shows.
    before = last_session(booking=booking)
    last, flare = (before.booking, before.flare) if before else (None, None)
    consent_form, form = TreatmentConsentForm(), None
    if request.method == "POST" and request.POST.get("action") == "consent":
        done, consent_form = _consent_confirm(request, therapist, booking)
        if done:
            return done
    elif request.method == "POST":
        form = SessionNoteForm(request.POST)
        if form.is_valid():
            try:
                outcome.session_complete(therapist=therapist, booking_id=booking.pk, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{booking.client_first_name}: attended. Aftercare emails are on their way.")
                return redirect("diary:day", day=timezone.localtime(booking.start).date().isoformat())
    form = form or SessionNoteForm(initial=_notes_start(screen=screen, problem=problem, last=last, flare=flare))
    for shown in (booking, last) if last else (booking,):
        health_data_access_record(user=request.user, booking=shown, via=HealthDataAccess.Via.NOTES_FORM)
    return render(
        request,
        "bookings/session_complete.html",
        {
            "booking": booking,
            "form": form,
            "consent_form": consent_form,
            "consent": getattr(booking, "treatment_consent", None),
            "flare": flare,
            "last": last,
            "bands": pressure.BANDS,
            "work_on": pressure.WORK_ON.get(problem),
            "problem_words": PROBLEM_ADVICE[Problem(problem)].name if problem else "",
        },
        status=400 if form.errors or consent_form.errors else 200,
    )


@never_cache
@login_required
def booking_client_record(request, booking_id: int):
    """The client's record: every session the viewer may read, with answers, check-ins and
    notes with their amendments. Each session shown is a look at health data, logged."""
    booking = booking_for_staff(request, booking_id)
    if gate := _held_gate(request, booking, "record"):
        return gate
    record = client_record(booking=booking, viewer=request.user)
    HealthDataAccess.objects.bulk_create(
        HealthDataAccess(
            accessed_by=request.user,
            booking=entry.booking,
            client_email=entry.booking.client_email,
            via=HealthDataAccess.Via.CLIENT_RECORD,
        )
        for entry in record.entries
    )
    return render(request, "bookings/client_record.html", {"booking": booking, "record": record})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_note_amend(request, booking_id: int):
    """The session's therapist corrects its notes; the change is kept with the original."""
    therapist = Therapist.objects.filter(user=request.user).first()
    note = (
        SessionNote.objects.select_related("booking__session_type", "booking__therapist")
        .filter(booking_id=booking_id, booking__therapist=therapist, booking__restricted_until__isnull=True)
        .first()
        if therapist
        else None
    )
    if note is None:
        raise Http404
    now = timezone.now()
    locked = note.is_locked(now)
    if request.method == "POST":
        form = SessionNoteAmendForm(request.POST, locked=locked)
        if form.is_valid():
            values = {field: form.cleaned_data[field] for field in SessionNote.AMENDABLE}
            try:
                notes.session_note_amend(
                    therapist=therapist, booking_id=booking_id, values=values, reason=form.cleaned_data["reason"]
                )
            except notes.AmendmentRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, "Notes amended. The original and your change are both on the record.")
                return redirect("booking_client_record", booking_id=booking_id)
    else:
        form = SessionNoteAmendForm(
            initial={field: getattr(note, field) for field in SessionNote.AMENDABLE}, locked=locked
        )
    health_data_access_record(user=request.user, booking=note.booking, via=HealthDataAccess.Via.NOTES_AMEND)
    return render(
        request,
        "bookings/notes_amend.html",
        {"booking": note.booking, "note": note, "form": form, "locked": locked},
        status=400 if form.errors else 200,
    )
