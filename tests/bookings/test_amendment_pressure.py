"""The pressure rule holds for amendments as for first notes: raising the pressure into what the
first notes would need a reason for (firm on a tendon, or firmer than the session that flared)
needs the reason given afresh, even within 24 hours; a clear message, nothing changed otherwise.
The reason for risky pressure is shown on the notes, the client's record and the admin."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import SessionNote, SessionNoteAmendment
from bookings.records.notes import AmendmentRefused, session_note_amend
from bookings.services.outcome import session_complete

from ..clock import NOW
from ..factories import consent_given, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

FIRM = "The client asked for firm work on the calf, well away from the tendon."


@pytest.fixture
def todays(asha, alice, sports):
    return consent_given(
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    )


def write(asha, booking, *, pressure: int, reason: str = "") -> SessionNote:
    session_complete(
        therapist=asha,
        booking_id=booking.pk,
        areas_worked=["back-calf-left"],
        pressure_used=pressure,
        problem="achilles",
        pressure_reason=reason,
        now=NOW,
    )
    return SessionNote.objects.get(booking=booking)


def amend(asha, booking, **values):
    return session_note_amend(
        therapist=asha, booking_id=booking.pk, values=values, reason="", now=NOW + dt.timedelta(hours=1)
    )


def test_raising_an_achilles_note_into_firm_without_a_reason_is_refused(asha, todays):
    write(asha, todays, pressure=7)

    with pytest.raises(AmendmentRefused) as refused:
        amend(asha, todays, pressure_used=9)

    assert refused.value.message == (
        "9/10 is firm for Achilles pain: the light band (2-4) is the usual choice. "
        "Say why in \u201cWhy this pressure?\u201d, or choose a lighter pressure. Nothing was changed."
    )
    assert SessionNote.objects.get(booking=todays).pressure_used == 7
    assert not SessionNoteAmendment.objects.exists()


def test_with_a_reason_it_is_amended_and_the_reason_kept_in_the_trail(asha, todays):
    write(asha, todays, pressure=7)

    amend(asha, todays, pressure_used=9, pressure_reason=FIRM)

    note = SessionNote.objects.get(booking=todays)
    assert (note.pressure_used, note.pressure_reason) == (9, FIRM)
    assert SessionNoteAmendment.objects.get().changes == {"pressure_used": [7, 9], "pressure_reason": ["", FIRM]}


def test_9_to_10_on_an_achilles_needs_the_reason_again(asha, todays):
    write(asha, todays, pressure=9, reason=FIRM)

    with pytest.raises(AmendmentRefused, match="10/10 is firm for Achilles pain"):
        amend(asha, todays, pressure_used=10)

    amend(asha, todays, pressure_used=10, pressure_reason="Asked for more on the calf; checked the tendon first.")
    assert SessionNote.objects.get(booking=todays).pressure_used == 10


def test_after_a_flare_firmer_than_that_session_needs_a_reason(asha, alice, sports, todays):
    earlier = make_booking(
        therapist=asha,
        client=alice,
        session_type=sports,
        start=NOW - dt.timedelta(days=14),
        status="attended",
        feedback="flared",
    )
    SessionNote.objects.create(booking=earlier, areas_worked=["back-calf-left"], pressure_used=6, problem="achilles")
    write(asha, todays, pressure=4)

    with pytest.raises(AmendmentRefused, match=r"7/10 is more than last time \(6/10\)"):
        amend(asha, todays, pressure_used=7)
    assert SessionNote.objects.get(booking=todays).pressure_used == 4


def test_lowering_the_pressure_needs_no_reason(asha, todays):
    write(asha, todays, pressure=9, reason=FIRM)

    amend(asha, todays, pressure_used=5)

    assert SessionNote.objects.get(booking=todays).pressure_used == 5


def test_changing_the_problem_to_a_tendon_under_firm_pressure_needs_a_reason(asha, todays):
    session_complete(
        therapist=asha, booking_id=todays.pk, areas_worked=["back-calf-left"], pressure_used=8, problem="general_tightness",
        now=NOW,
    )  # fmt: skip

    with pytest.raises(AmendmentRefused, match="8/10 is firm for Achilles pain"):
        amend(asha, todays, problem="achilles")


def test_the_amend_page_says_why_and_changes_nothing(as_asha, asha, todays):
    write(asha, todays, pressure=7)
    data = {"areas_worked": ["back-calf-left"], "problem": "achilles", "pressure_used": "9"}

    response = as_asha.post(reverse("session_note_amend", args=[todays.pk]), data)

    assert response.status_code == 400
    assert "9/10 is firm for Achilles pain" in response.content.decode()
    assert SessionNote.objects.get(booking=todays).pressure_used == 7


def test_the_reason_shows_on_the_record_and_the_booking_page(as_asha, asha, todays):
    write(asha, todays, pressure=9, reason=FIRM)

    record = as_asha.get(reverse("booking_client_record", args=[todays.pk])).content.decode()
    assert f'<dt class="col-sm-4">Why this pressure</dt><dd class="col-sm-8 mb-1">{FIRM}</dd>' in record


@pytest.mark.parametrize("who", ["superuser", "staff without the permission"])
def test_the_admin_shows_the_reason_only_to_those_who_may_read_notes(client, asha, todays, people, who):
    write(asha, todays, pressure=9, reason=FIRM)
    client.force_login(people[who])

    page = client.get(reverse("admin:bookings_booking_change", args=[todays.pk])).content.decode()

    assert (FIRM in page) == (who == "superuser")
    assert ("Consent to treatment" in page) == (who == "superuser")
