"""Session notes a therapist can correct: every change is an amendment with who, when, what and
why, the notes as first written stay readable, and after 24 hours a change needs a reason."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from bookings.models import HealthDataAccess, SessionNote, SessionNoteAmendment
from bookings.records.notes import AmendmentRefused, session_note_amend
from bookings.records.selectors import note_history
from bookings.services.outcome import session_complete

from ..clock import NOW
from ..factories import consent_given, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NOTES = {
    "areas_worked": ["front-shin-left", "back-calf-left"],
    "pressure_used": 6,
    "problem": "shin_splints",
    "personal_tip": "Ice",
}


@pytest.fixture
def noted(asha, alice, sports):
    """Alice's session with asha this morning, marked attended with notes at NOW."""
    booking = consent_given(
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    )
    session_complete(therapist=asha, booking_id=booking.pk, now=NOW, **NOTES)
    return booking


def amend_page(client, booking, **changes):
    data = {**NOTES, **changes}
    return client.post(reverse("session_note_amend", args=[booking.pk]), data, follow=True)


def test_the_notes_say_who_wrote_them(noted, asha):
    assert noted.session_note.written_by == asha.user


def test_a_correction_is_an_amendment_and_the_original_stays_readable(as_asha, noted, asha, clock):
    clock.shift(dt.timedelta(hours=3))
    as_asha.force_login(asha.user)  # staff sessions end after 30 idle minutes

    page = amend_page(as_asha, noted, pressure_used="4").content.decode()

    assert "Notes amended." in page
    note = SessionNote.objects.get()
    assert note.pressure_used == 4
    [amendment] = SessionNoteAmendment.objects.all()
    assert (amendment.amended_by, amendment.amended_at) == (asha.user, NOW + dt.timedelta(hours=3))
    assert amendment.changes == {"pressure_used": [6, 4]}
    original, change = note_history(note)
    assert (original.values["pressure_used"], original.by, original.at) == (6, "Asha Patel", NOW)
    assert change.rows == [("Pressure used", "6/10 → 4/10")]
    assert "Written by Asha Patel, 16 Jan 2030 09:30" in page and "Amended by Asha Patel, 16 Jan 2030 12:30" in page


def test_after_24_hours_a_change_needs_a_reason_and_none_changes_nothing(as_asha, noted, asha, clock):
    clock.shift(dt.timedelta(hours=24))
    as_asha.force_login(asha.user)

    response = amend_page(as_asha, noted, pressure_used="4")

    assert response.status_code == 400
    assert "say why you are changing them" in response.content.decode()
    assert SessionNote.objects.get().pressure_used == 6
    assert not SessionNoteAmendment.objects.exists()

    amend_page(as_asha, noted, pressure_used="4", reason="Typed 6 for 4; the client asked for lighter work.")

    assert SessionNoteAmendment.objects.get().reason == "Typed 6 for 4; the client asked for lighter work."


def test_the_service_refuses_a_locked_change_without_a_reason_too(noted, asha):
    with pytest.raises(AmendmentRefused, match="more than 24 hours ago"):
        session_note_amend(
            therapist=asha, booking_id=noted.pk, values={"pressure_used": 3}, reason=" ", now=NOW + dt.timedelta(days=2)
        )
    assert SessionNote.objects.get().pressure_used == 6


def test_another_therapist_cannot_open_or_amend_the_notes(client, noted, bob):
    client.force_login(bob.user)

    assert client.get(reverse("session_note_amend", args=[noted.pk])).status_code == 404
    assert amend_page(client, noted, pressure_used="2").status_code == 404
    with pytest.raises(AmendmentRefused, match="Only the therapist who gave the session"):
        session_note_amend(therapist=bob, booking_id=noted.pk, values={"pressure_used": 2}, reason="x", now=NOW)
    assert SessionNote.objects.get().pressure_used == 6


@pytest.mark.parametrize(
    "changes, message",
    [
        ({}, "Nothing changed: the notes already say that."),
        ({"pressure_used": "11"}, "Select a valid choice. 11 is not one of the available choices."),
        ({"areas_worked": ["tail"]}, "\u201ctail\u201d is not a region on the body chart."),
        ({"reason": "x" * 501}, "Ensure this value has at most 500 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(as_asha, noted, changes, message):
    response = amend_page(as_asha, noted, **changes)

    assert message in response.content.decode()
    assert SessionNote.objects.get().pressure_used == 6
    assert not SessionNoteAmendment.objects.exists()


def test_notes_that_do_not_exist_are_not_found(as_asha, asha, alice, sports):
    booking = make_booking(therapist=asha, client=alice, session_type=sports)

    assert as_asha.get(reverse("session_note_amend", args=[booking.pk])).status_code == 404
    with pytest.raises(SessionNote.DoesNotExist):
        session_note_amend(therapist=asha, booking_id=booking.pk, values={"pressure_used": 2}, reason="", now=NOW)


def test_opening_the_form_is_a_logged_look_at_health_data(as_asha, noted, asha):
    as_asha.get(reverse("session_note_amend", args=[noted.pk]))

    assert HealthDataAccess.objects.filter(via="notes_amend", accessed_by=asha.user, booking=noted).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_amendments_at_once_are_both_kept_in_order(noted, asha):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole transactions")
    start = threading.Barrier(2)
    errors = []

    def amend(values):
        try:
            start.wait(timeout=5)
            session_note_amend(therapist=asha, booking_id=noted.pk, values=values, reason="", now=NOW)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=amend, args=({"pressure_used": 4},)),
        threading.Thread(target=amend, args=({"personal_tip": "Heat, not ice"},)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    note = SessionNote.objects.get()
    assert (note.pressure_used, note.personal_tip) == (4, "Heat, not ice")
    assert sorted(list(a.changes) for a in SessionNoteAmendment.objects.all()) == [["personal_tip"], ["pressure_used"]]
    assert note_history(note)[0].values == {
        **NOTES,
        "areas_to_avoid": [],
        "pressure_reason": "",
        **dict.fromkeys(SessionNote.WRITTEN, ""),
    }


def test_the_clients_download_holds_the_amendments(client, noted, asha, alice):
    session_note_amend(therapist=asha, booking_id=noted.pk, values={"pressure_used": 4}, reason="Lighter", now=NOW)
    client.force_login(alice)

    data = client.get(reverse("my_data_download")).json()

    [amendment] = data["bookings"][0]["session_notes"]["amendments"]
    assert (amendment["changes"], amendment["reason"]) == ({"pressure_used": [6, 4]}, "Lighter")
