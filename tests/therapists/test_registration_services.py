"""The registration state machine: who may move it, where it can go, and the trail it leaves."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from therapists.models import RegistrationEvent, Therapist
from therapists.services import registration

from ..clock import NOW, TODAY
from ..factories import grant_verify, make_booking, make_therapist, make_user, submitted_therapist, verified_therapist
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Status = Therapist.RegistrationStatus
Kind = RegistrationEvent.Kind
NEXT_YEAR = datetime.timedelta(days=365)


def approve(therapist, by, **overrides):
    fields = {"seen_on_register": "Listed, Sports Massage, Leeds.", "expires_on": TODAY + NEXT_YEAR, **overrides}
    return registration.registration_approve(therapist_id=therapist.pk, decided_by=by, **fields)


def kinds(therapist) -> list[str]:
    return list(therapist.registration_events.order_by("at", "pk").values_list("kind", flat=True))


def test_submitting_puts_a_new_registration_in_the_queue_with_a_trimmed_number():
    therapist = make_therapist("tara")

    registration.registration_submit(
        therapist_id=therapist.pk,
        submitted_by=therapist.user,
        cnhc_number="  ab 12/3 x  ",
        disciplines=["sports_massage", "massage_therapy"],
        cnhc_renews_on=TODAY + NEXT_YEAR,
        other_registers=" FHT 99 ",
    )

    therapist.refresh_from_db()
    assert therapist.registration_status == Status.AWAITING_CHECK
    assert therapist.registration_submitted_at is not None
    # Stored as given (trimmed): no guessed number format refuses it.
    assert therapist.cnhc_number == "ab 12/3 x"
    assert therapist.other_registers == "FHT 99"
    event = therapist.registration_events.get()
    assert (event.kind, event.actor, event.cnhc_number) == (Kind.SUBMITTED, therapist.user, "ab 12/3 x")


def test_an_approval_records_who_when_what_was_seen_and_until_when(victor, tara):
    event = approve(tara, victor, seen_on_register="Tara T, Sports Massage, Leeds, no conditions.")

    tara.refresh_from_db()
    assert tara.registration_status == Status.VERIFIED
    assert tara.registration_expires_on == TODAY + NEXT_YEAR
    assert event.actor == victor
    assert event.at is not None
    assert event.seen_on_register == "Tara T, Sports Massage, Leeds, no conditions."
    assert event.cnhc_number == "CN-tara"
    assert kinds(tara) == [Kind.SUBMITTED, Kind.APPROVED]
    assert tara in Therapist.objects.bookable(on=TODAY)


def test_a_rejection_needs_a_reason_and_keeps_it_for_the_therapist(victor, tara):
    with pytest.raises(ValidationError, match="Enter the reason"):
        registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="   ")
    assert kinds(tara) == [Kind.SUBMITTED]

    registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="No entry under that number.")

    tara.refresh_from_db()
    assert tara.registration_status == Status.REJECTED
    assert tara.registration_events.latest("at").note == "No entry under that number."


def test_a_rejected_therapist_can_correct_their_details_and_go_back_in_the_queue(victor, tara):
    registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="Wrong number.")

    registration.registration_submit(
        therapist_id=tara.pk,
        submitted_by=tara.user,
        cnhc_number="CN-tara-2",
        disciplines=["sports_massage"],
        cnhc_renews_on=TODAY + NEXT_YEAR,
        other_registers="",
    )

    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK
    assert kinds(tara) == [Kind.SUBMITTED, Kind.REJECTED, Kind.SUBMITTED]


def test_changing_the_number_or_renewal_date_of_a_verified_registration_needs_a_new_check(victor):
    vera = verified_therapist("vera", by=victor)

    registration.registration_submit(
        therapist_id=vera.pk,
        submitted_by=vera.user,
        cnhc_number=vera.cnhc_number,
        disciplines=vera.disciplines,
        cnhc_renews_on=vera.cnhc_renews_on + datetime.timedelta(days=1),
        other_registers="",
    )

    vera.refresh_from_db()
    assert vera.registration_status == Status.AWAITING_CHECK
    assert vera.registration_expires_on is None
    assert vera not in Therapist.objects.bookable(on=TODAY)
    assert kinds(vera)[-1] == Kind.SUBMITTED


def test_other_edits_keep_a_verified_registration_verified_but_are_recorded(victor):
    vera = verified_therapist("vera", by=victor)

    registration.registration_submit(
        therapist_id=vera.pk,
        submitted_by=vera.user,
        cnhc_number=vera.cnhc_number,
        disciplines=vera.disciplines,
        cnhc_renews_on=vera.cnhc_renews_on,
        other_registers="BASRaT 123",
    )

    vera.refresh_from_db()
    assert vera.registration_status == Status.VERIFIED
    latest = vera.registration_events.latest("at")
    assert (latest.kind, latest.note) == (Kind.UPDATED, "Changed: other registers")


def test_saving_unchanged_details_records_nothing(victor):
    vera = verified_therapist("vera", by=victor)
    before = kinds(vera)

    registration.registration_submit(
        therapist_id=vera.pk,
        submitted_by=vera.user,
        cnhc_number=vera.cnhc_number,
        disciplines=vera.disciplines,
        cnhc_renews_on=vera.cnhc_renews_on,
        other_registers=vera.other_registers,
    )

    assert kinds(vera) == before


def test_a_suspension_stops_bookings_at_once_and_blocks_edits_until_lifted(victor):
    vera = verified_therapist("vera", by=victor)

    registration.registration_suspend(
        therapist_id=vera.pk, decided_by=victor, reason="Conditions shown on the register."
    )
    assert vera not in Therapist.objects.bookable(on=TODAY)
    with pytest.raises(registration.RegistrationError, match="suspended"):
        registration.registration_submit(
            therapist_id=vera.pk,
            submitted_by=vera.user,
            cnhc_number="NEW",
            disciplines=["sports_massage"],
            cnhc_renews_on=TODAY + NEXT_YEAR,
            other_registers="",
        )

    registration.registration_reopen(therapist_id=vera.pk, decided_by=victor)
    vera.refresh_from_db()
    # Lifting a suspension is not a verification: it needs a new check.
    assert vera.registration_status == Status.AWAITING_CHECK
    assert vera not in Therapist.objects.bookable(on=TODAY)
    assert kinds(vera) == [Kind.SUBMITTED, Kind.APPROVED, Kind.SUSPENDED, Kind.REOPENED]


@pytest.mark.parametrize(
    "decide",
    [
        lambda t, by: approve(t, by),
        lambda t, by: registration.registration_reject(therapist_id=t.pk, decided_by=by, reason="No."),
        lambda t, by: registration.registration_suspend(therapist_id=t.pk, decided_by=by, reason="No."),
    ],
    ids=["approve", "reject", "suspend"],
)
def test_a_therapist_can_never_decide_on_their_own_registration_even_as_a_verifier(tara, decide):
    tara_as_verifier = grant_verify(tara.user)

    with pytest.raises(registration.RegistrationError, match="your own registration"):
        decide(tara, tara_as_verifier)

    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK
    assert kinds(tara) == [Kind.SUBMITTED]


def test_staff_without_the_permission_cannot_decide(sam, tara):
    with pytest.raises(registration.RegistrationError, match="permission"):
        approve(tara, sam)
    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK


def test_a_superuser_may_decide(admin_user, tara):
    approve(tara, admin_user)
    tara.refresh_from_db()
    assert tara.registration_status == Status.VERIFIED


def test_a_second_decision_on_the_same_registration_is_refused(victor, tara):
    other = grant_verify(make_user("olive", is_staff=True))
    approve(tara, victor)

    # Olive opened the page before Victor approved.
    with pytest.raises(registration.RegistrationError, match="now verified"):
        registration.registration_reject(therapist_id=tara.pk, decided_by=other, reason="Not found.")
    assert kinds(tara) == [Kind.SUBMITTED, Kind.APPROVED]


def test_a_registration_never_submitted_cannot_be_approved(victor):
    therapist = make_therapist("newbie")
    with pytest.raises(registration.RegistrationError, match="not submitted"):
        approve(therapist, victor)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"seen_on_register": "  "}, "Enter the note of what you saw"),
        ({"seen_on_register": "x" * 2001}, "at most 2000 characters"),
        ({"expires_on": None}, "Enter the date this check expires"),
        ({"expires_on": TODAY - datetime.timedelta(days=1)}, "in the past"),
        ({"expires_on": TODAY + datetime.timedelta(days=3 * 365)}, "at most two years"),
    ],
)
def test_an_approval_with_bad_details_changes_nothing(victor, tara, fields, message):
    with pytest.raises(ValidationError, match=message):
        approve(tara, victor, **fields)
    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK
    assert kinds(tara) == [Kind.SUBMITTED]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"cnhc_number": "   "}, "Enter the CNHC registration number"),
        ({"cnhc_number": "9" * 51}, "at most 50 characters"),
        ({"cnhc_number": "CN-olga"}, "Another therapist already has this CNHC registration number"),
        ({"cnhc_number": "  CN-olga "}, "Another therapist already has this CNHC registration number"),
        ({"disciplines": []}, "at least one discipline"),
        ({"disciplines": ["astrology"]}, "Choose from the list"),
        ({"cnhc_renews_on": None}, "next due for renewal"),
        ({"cnhc_renews_on": TODAY - datetime.timedelta(days=1)}, "in the past"),
        ({"other_registers": "x" * 501}, "at most 500 characters"),
    ],
)
def test_a_submission_with_bad_details_changes_nothing(fields, message):
    submitted_therapist("olga", number="CN-olga")
    tara = make_therapist("tara")
    submission = {
        "cnhc_number": "CN-tara",
        "disciplines": ["sports_massage"],
        "cnhc_renews_on": TODAY + NEXT_YEAR,
        "other_registers": "",
        **fields,
    }

    with pytest.raises(ValidationError, match=message):
        registration.registration_submit(therapist_id=tara.pk, submitted_by=tara.user, **submission)

    tara.refresh_from_db()
    assert (tara.cnhc_number, tara.registration_submitted_at) == ("", None)
    assert kinds(tara) == []


def test_nobody_can_submit_someone_elses_registration(tara):
    mallory = make_therapist("mallory")
    with pytest.raises(registration.RegistrationError, match="your own registration"):
        registration.registration_submit(
            therapist_id=tara.pk,
            submitted_by=mallory.user,
            cnhc_number="HIJACK",
            disciplines=["sports_massage"],
            cnhc_renews_on=TODAY + NEXT_YEAR,
            other_registers="",
        )
    tara.refresh_from_db()
    assert tara.cnhc_number == "CN-tara"


def test_a_decision_emails_the_therapist_once_however_often_the_outbox_runs(victor, tara):
    registration.registration_reject(therapist_id=tara.pk, decided_by=victor, reason="No entry for that number.")

    send_due_emails()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [tara.user.email]
    assert "could not verify" in mail.outbox[0].subject
    assert "No entry for that number." in mail.outbox[0].body
    assert "No entry for that number." in mail.outbox[0].alternatives[0][0]

    # The outbox running again (a duplicate task, a second worker) sends nothing more.
    assert send_due_emails() == []
    assert len(mail.outbox) == 1


def test_a_suspension_tells_the_admins_which_bookings_are_affected(victor, tara):
    approve(tara, victor)
    later = make_booking(therapist=tara, start=NOW + datetime.timedelta(days=3))
    make_booking(therapist=tara, start=NOW - datetime.timedelta(days=3))  # already happened
    make_booking(therapist=tara, start=NOW + datetime.timedelta(days=4), status="cancelled")

    registration.registration_suspend(therapist_id=tara.pk, decided_by=victor, reason="Sanction on the register.")

    to_admin = [message for message in send_due_emails() if message.to == [victor.email]]
    assert len(to_admin) == 1
    assert f"(booking {later.pk})" in to_admin[0].body
    assert to_admin[0].body.count("(booking ") == 1


def test_an_approval_is_refused_if_the_number_changed_while_the_admin_was_checking(victor, tara):
    registration.registration_submit(
        therapist_id=tara.pk,
        submitted_by=tara.user,
        cnhc_number="CN-changed",
        disciplines=["sports_massage"],
        cnhc_renews_on=tara.cnhc_renews_on,
        other_registers="",
    )

    with pytest.raises(registration.RegistrationError, match="changed their details"):
        approve(tara, victor, cnhc_number_checked="CN-tara")

    tara.refresh_from_db()
    assert tara.registration_status == Status.AWAITING_CHECK


def test_the_permission_alone_is_not_enough_without_being_staff(tara):
    not_staff = grant_verify(make_user("nora"), staff=False)
    with pytest.raises(registration.RegistrationError, match="permission"):
        approve(tara, not_staff)


def test_names_read_right_in_plain_text_and_are_escaped_in_html(victor):
    therapist = submitted_therapist("siobhan")
    Therapist.objects.filter(pk=therapist.pk).update(display_name="Siobhan O'Neil & <b>Co</b>")

    registration.registration_suspend(therapist_id=therapist.pk, decided_by=victor, reason="Check <this> & that.")

    to_admin = next(message for message in send_due_emails() if message.to == [victor.email])
    assert to_admin.subject == "Suspended: Siobhan O'Neil & <b>Co</b>'s registration"
    assert "Check <this> & that." in to_admin.body
    html = to_admin.alternatives[0][0]
    assert "Siobhan O&#x27;Neil &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "<b>Co</b>" not in html
