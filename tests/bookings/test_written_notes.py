"""Written notes: what the therapist found, the techniques used, the client's response and the
advice given, as free text beside the areas and the pressure. They are kept in the amendment
trail like the rest, shown on the client's record and in her My data download, held to a length
limit, and never put in an email."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.messaging import email_content
from bookings.models import Booking, SessionNote, SessionNoteAmendment
from bookings.records.notes import session_note_amend
from bookings.services.outcome import aftercare_feedback_record, session_complete
from clinic.emails import render_email

from ..clock import NOW
from ..factories import consent_given, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

WRITTEN = {
    "findings": "Left soleus dense and tender at mid-belly; tendon not touched.",
    "techniques": "Effleurage, slow petrissage, trigger point release on the soleus.",
    "client_response": "Relaxed into it; heel raise pain-free at the end.",
    "advice_given": "Flat runs only this week; eccentric calf raises daily; see the GP if night pain.",
}
FORM = {"areas_worked": ["back-calf-left"], "pressure_used": "4", "problem": "achilles", **WRITTEN}


@pytest.fixture
def todays(asha, alice, sports):
    """Alice's session with asha this morning, her consent to treatment confirmed."""
    return consent_given(
        make_booking(therapist=asha, client=alice, session_type=sports, start=NOW - dt.timedelta(hours=2))
    )


def test_the_notes_form_saves_the_written_notes(as_asha, todays):
    response = as_asha.post(reverse("session_complete", args=[todays.pk]), FORM)

    assert response.status_code == 302
    note = SessionNote.objects.get(booking=todays)
    assert {field: getattr(note, field) for field in SessionNote.WRITTEN} == WRITTEN


def test_the_form_labels_them_and_says_they_stay_out_of_emails(as_asha, todays):
    page = as_asha.get(reverse("session_complete", args=[todays.pk])).content.decode()

    for label in ("What you found", "Techniques used", "The client&#x27;s response", "Advice given"):
        assert label in page
    assert page.count("For the clinical record only: never sent to the client by email.") == 4


def test_written_notes_over_the_limit_are_refused_and_nothing_changes(as_asha, todays):
    response = as_asha.post(reverse("session_complete", args=[todays.pk]), {**FORM, "findings": "x" * 2001})

    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters (it has 2001)." in response.content.decode()
    todays.refresh_from_db()
    assert todays.status == Booking.Status.CONFIRMED
    assert not SessionNote.objects.exists()


def test_the_client_record_shows_them(as_asha, todays):
    as_asha.post(reverse("session_complete", args=[todays.pk]), FORM)

    page = as_asha.get(reverse("booking_client_record", args=[todays.pk])).content.decode()

    for label, words in (
        ("Found", WRITTEN["findings"]),
        ("Techniques used", WRITTEN["techniques"]),
        ("The client&#x27;s response", WRITTEN["client_response"]),
        ("Advice given", WRITTEN["advice_given"]),
    ):
        assert f'<dt class="col-sm-4">{label}</dt><dd class="col-sm-8 mb-1">{words}</dd>' in page


def test_an_amendment_to_them_is_kept_with_the_original(asha, as_asha, todays):
    session_complete(
        therapist=asha,
        booking_id=todays.pk,
        areas_worked=["back-calf-left"],
        pressure_used=4,
        problem="achilles",
        now=NOW,
        **WRITTEN,
    )

    session_note_amend(
        therapist=asha,
        booking_id=todays.pk,
        values={"advice_given": "  Flat runs only this week.  "},
        reason="",
        now=NOW + dt.timedelta(hours=1),
    )

    assert SessionNoteAmendment.objects.get().changes == {
        "advice_given": [WRITTEN["advice_given"], "Flat runs only this week."]
    }
    page = as_asha.get(reverse("booking_client_record", args=[todays.pk])).content.decode()
    assert f"{WRITTEN['advice_given']} → Flat runs only this week." in page


def test_the_amend_form_starts_with_them(as_asha, asha, todays):
    session_complete(
        therapist=asha,
        booking_id=todays.pk,
        areas_worked=["back-calf-left"],
        pressure_used=4,
        problem="achilles",
        now=NOW,
        **WRITTEN,
    )

    page = as_asha.get(reverse("session_note_amend", args=[todays.pk])).content.decode()

    assert WRITTEN["techniques"] in page


def test_her_download_holds_them(client, asha, alice, todays):
    session_complete(
        therapist=asha,
        booking_id=todays.pk,
        areas_worked=["back-calf-left"],
        pressure_used=4,
        problem="achilles",
        now=NOW,
        **WRITTEN,
    )
    client.force_login(alice)

    [booking] = client.get(reverse("my_data_download")).json()["bookings"]

    notes = booking["session_notes"]
    assert (notes["findings"], notes["techniques"], notes["your_response"], notes["advice_given"]) == (
        WRITTEN["findings"],
        WRITTEN["techniques"],
        WRITTEN["client_response"],
        WRITTEN["advice_given"],
    )


def test_no_email_carries_them(asha, todays):
    session_complete(
        therapist=asha,
        booking_id=todays.pk,
        areas_worked=["back-calf-left"],
        pressure_used=4,
        problem="achilles",
        personal_tip="Ice tonight.",
        now=NOW,
        **WRITTEN,
    )
    aftercare_feedback_record(booking_id=todays.pk, answer="flared", now=NOW + dt.timedelta(days=2))

    emails = list(todays.emails.all())
    assert {"aftercare_today", "aftercare_next_day", "aftercare_check_in", "therapist_flare_alert"} <= {
        email.kind for email in emails
    }
    for email in emails:
        rendered = " ".join(render_email(email.kind, email_content.email_context(email)))
        assert "Alice" in rendered or "Asha" in rendered  # really rendered
        for words in WRITTEN.values():
            assert words not in rendered, (email.kind, words)


def test_her_my_data_page_shows_them_and_her_consent(client, asha, alice, todays):
    session_complete(
        therapist=asha,
        booking_id=todays.pk,
        areas_worked=["back-calf-left"],
        pressure_used=4,
        problem="achilles",
        now=NOW,
        **WRITTEN,
    )
    client.force_login(alice)

    page = client.get(reverse("my_data")).content.decode()

    assert f"<dt>Advice given</dt><dd>{WRITTEN['advice_given']}</dd>" in page
    assert "You agreed to the treatment at the start of the session" in page
