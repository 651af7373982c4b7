"""My data is complete: every model of the bookings app that holds a client's data is in the
inventory (bookings.privacy.my_data.CLIENT_DATA) saying how it is handed over and how it is
erased, the download of a client who has every kind of data holds all of it, and after her
erasure, once the held clinical record is released, no row names her."""

import datetime as dt
import logging

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.urls import reverse

from bookings.clinical import health
from bookings.messaging.tokens import link_issue
from bookings.models import (
    AftercareOptOut,
    Booking,
    BookingContactChange,
    BookingLink,
    BookingPayment,
    Charge,
    ErasureRequest,
    HealthDataAccess,
    HealthScreen,
    LedgerEntry,
    OutboundEmail,
    OutcomeScore,
    SessionNote,
    SessionNoteAmendment,
)
from bookings.privacy.health_consent import health_consent_record
from bookings.privacy.marketing import marketing_consent_give
from bookings.privacy.my_data import CLIENT_DATA, DELETED, Held, client_data_erase
from bookings.privacy.retention import erase_expired_records

from ..clock import NOW
from ..factories import consent_given, make_booking, make_user, make_waitlist_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

ACTIVITY = "5-a-side at Hackney Marshes"
# Everything that would name Priya, or tell her health, if it were left in a row.
HER_TRACES = ["priya", "quennell", "07700 900456", "hackney", "twinges", "knee went at work"]


# The checks ------------------------------------------------------------------------------


def models_holding_client_data(candidates=None) -> list[type[models.Model]]:
    """Every model of the bookings app with a foreign key to a booking or to an account, or an
    email field (the many-to-many tables Django makes included)."""
    user_model = get_user_model()
    candidates = candidates or apps.get_app_config("bookings").get_models(include_auto_created=True)
    return [
        model
        for model in candidates
        if any(
            isinstance(field, models.EmailField)
            or (isinstance(field, models.ForeignKey) and field.related_model in (Booking, user_model))
            for field in model._meta.concrete_fields
        )
    ]


def unaccounted(found: list[type[models.Model]], table: dict[str, Held]) -> list[str]:
    """Models holding client data with no entry in the table, and entries naming no such model."""
    labels = {model._meta.label for model in found}
    return sorted((labels - table.keys()) | (table.keys() - labels))


def values_at(data, path: str) -> list:
    """The values at ``path`` in the download ("bookings[].outcome_scores": that key of every booking)."""
    values = [data]
    for part in path.split("."):
        key = part.removesuffix("[]")
        values = [value[key] for value in values if isinstance(value, dict) and value.get(key) is not None]
        if part.endswith("[]"):
            values = [item for value in values for item in value]
    return values


def export_gaps(download: dict, table: dict[str, Held]) -> list[str]:
    """Entries the table says are exported whose key in the download is missing or empty."""
    return sorted(
        label for label, held in table.items() if held.exported_as and not any(values_at(download, held.exported_as))
    )


def rows_naming_her(found: list[type[models.Model]]) -> list[str]:
    """The models with a row that holds any of Priya's traces, in any field."""
    naming = []
    for model in found:
        dumped = serializers.serialize("json", model.objects.all()).lower()
        if any(trace in dumped for trace in HER_TRACES):
            naming.append(model._meta.label)
    return sorted(naming)


def rows_linked_to(user, found: list[type[models.Model]]) -> list[str]:
    """The foreign keys (model.field) with a row pointing at ``user``'s account."""
    return sorted(
        f"{model._meta.label}.{field.name}"
        for model in found
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
        and field.related_model is get_user_model()
        and model.objects.filter(**{field.name: user}).exists()
    )


# Priya, who has every kind of data ------------------------------------------------------


@pytest.fixture
def priya(db):
    return make_user("priya", first_name="Priya", last_name="Quennell")


@pytest.fixture
def everything(priya, asha, sports, admin_user):
    """An attended session (a clinical record: pregnant, her doctor's OK seen, scores, notes
    amended, looked at, emails, a contact change) and a cancelled one, with marketing consent,
    aftercare stopped, a place on the waitlist with an offer open and an earlier erasure
    request on file."""
    attended = make_booking(
        therapist=asha,
        client=priya,
        session_type=sports,
        start=NOW - dt.timedelta(days=30),
        status="attended",
        client_phone="07700 900456",
    )
    HealthScreen.objects.create(
        booking=attended,
        main_problem="knee_pain",
        answered_yes=[health.PREGNANT],
        pregnancy_trimester=2,
        doctor_ok_confirmed=True,
        doctor_ok_seen_at=NOW - dt.timedelta(days=31),
        doctor_ok_seen_by=asha.user,
        notes="Twinges since the match",
        consent_given_at=NOW - dt.timedelta(days=32),
    )
    for taken, pain, activity in (("booking", 7, 3), ("check_in", 4, 6)):
        OutcomeScore.objects.create(
            booking=attended, taken=taken, kind="pain", measure="pain", score=pain, taken_at=NOW
        )
        OutcomeScore.objects.create(
            booking=attended, taken=taken, kind="activity", measure=ACTIVITY, score=activity, taken_at=NOW
        )
    consent_given(attended)
    note = SessionNote.objects.create(
        booking=attended, areas_worked=["front-thigh-right"], pressure_used=6, problem="knee_pain", written_by=asha.user
    )
    SessionNoteAmendment.objects.create(
        note=note,
        amended_by=asha.user,
        amended_at=NOW,
        changes={"personal_tip": ["", "Ice after 5-a-side at Hackney"]},
        reason="Priya asked",
    )
    health_consent_record(booking=attended, on_behalf=False, now=NOW - dt.timedelta(days=32))
    HealthDataAccess.objects.create(
        accessed_by=asha.user, booking=attended, client_email=priya.email, via="booking_page"
    )
    OutboundEmail.objects.create(
        booking=attended,
        kind="aftercare_check_in",
        to_email=priya.email,
        due_at=NOW,
        status="failed",
        last_error=f"550 {priya.email}: mailbox full",
        extra={"client_name": "Priya Quennell"},
    )
    BookingContactChange.objects.create(
        booking=attended,
        changed_by=admin_user,
        at=NOW,
        old_email="priya.q@example.com",
        new_email=priya.email,
        reason="Priya Quennell gave her home address",
    )
    link_issue(booking=attended, purpose=BookingLink.Purpose.MANAGE)
    BookingPayment.objects.create(
        booking=attended,
        take="deposit",
        due_pence=1100,
        fees_charged="automatic",
        status_when_paid="confirmed",
        pay_by=NOW - dt.timedelta(days=32),
        stripe_customer="cus_8f3k2",
        card_saved_at=NOW - dt.timedelta(days=32),
    )
    Charge.objects.create(booking=attended, purpose="at_booking", amount_pence=1100, status="succeeded")
    LedgerEntry.objects.create(booking=attended, kind="payment", amount_pence=1100, at=NOW, reason="Paid at booking")
    cancelled = make_booking(
        therapist=asha,
        client=priya,
        session_type=sports,
        start=NOW - dt.timedelta(days=10),
        status="cancelled",
        cancelled_by=priya,
        cancellation_reason="My knee went at work",
        client_phone="07700 900456",
    )
    HealthScreen.objects.create(booking=cancelled, main_problem="knee_pain", consent_given_at=NOW)
    OutcomeScore.objects.create(
        booking=cancelled, taken="booking", kind="activity", measure=ACTIVITY, score=2, taken_at=NOW
    )
    marketing_consent_give(email=priya.email, how="booking form, ticked", now=NOW - dt.timedelta(days=32))
    AftercareOptOut.objects.create(email=priya.email)
    # Waiting for an earlier time, with an offer open.
    hold = make_booking(therapist=asha, session_type=sports, start=NOW + dt.timedelta(days=5), client_name="Held")
    offer = make_waitlist_offer(hold, priya)
    OutboundEmail.objects.create(
        booking=hold, kind="waitlist_offer", to_email=priya.email, due_at=NOW, extra={"offer_id": offer.pk}
    )
    # A request on file (an account that asked before; the clinic kept it).
    ErasureRequest.objects.create(
        user=priya, requested_at=NOW - dt.timedelta(days=60), respond_by=NOW.date(), status="done"
    )
    return attended, cancelled


# The inventory ---------------------------------------------------------------------------


def test_every_model_holding_a_clients_data_says_how_it_is_exported_and_erased():
    assert unaccounted(models_holding_client_data(), CLIENT_DATA) == []


@isolate_apps("bookings")
def test_a_new_model_left_out_of_the_inventory_fails_the_check():
    class GiftVoucher(models.Model):
        buyer_email = models.EmailField()

        class Meta:
            app_label = "bookings"

        def __str__(self) -> str:
            return self.buyer_email

    found = models_holding_client_data([*models_holding_client_data(), GiftVoucher])

    assert unaccounted(found, CLIENT_DATA) == ["bookings.GiftVoucher"]
    assert unaccounted(models_holding_client_data(), {**CLIENT_DATA, "bookings.Gone": CLIENT_DATA["bookings.Booking"]})


def test_every_entry_not_exported_or_kept_says_why():
    for label, held in CLIENT_DATA.items():
        assert held.exported_as or held.not_exported_because, label
        assert held.why, label


# The download ----------------------------------------------------------------------------


def test_the_download_holds_every_kind_of_her_data(client, priya, everything):
    client.force_login(priya)

    download = client.get(reverse("my_data_download")).json()

    assert export_gaps(download, CLIENT_DATA) == []
    attended = download["bookings"][1]
    assert [(s["measure"], s["score"]) for s in attended["outcome_scores"]] == [
        ("Pain", 7),
        (ACTIVITY, 3),
        ("Pain", 4),
        (ACTIVITY, 6),
    ]
    answers = attended["health_answers"]
    assert answers["pregnancy_trimester"] == "Second"
    assert answers["doctors_ok"]["you_said_your_doctor_agreed"] is True
    assert answers["doctors_ok"]["therapist_saw_it_at"] == (NOW - dt.timedelta(days=31)).isoformat()
    assert attended["emails_sent_to_you"] == [
        {
            "kind": "Aftercare: how do you feel now?",
            "to": "priya@example.com",
            "status": "Failed",
            "due_at": NOW.isoformat(),
            "sent_at": None,
        }
    ]  # kind, address and dates: never the content, never the error text
    assert attended["health_data_looked_at"][0]["via"] == "Booking page (health answers and notes)"
    assert attended["contact_changes"][0]["from"] == "priya.q@example.com"
    assert download["marketing_consents"][0]["given_how"] == "booking form, ticked"


def test_a_fake_entry_the_download_lacks_is_caught(client, priya, everything):
    client.force_login(priya)
    download = client.get(reverse("my_data_download")).json()
    fake = Held("bookings[].gift_vouchers", DELETED, "a fake, to show the check can fail")

    assert export_gaps(download, {**CLIENT_DATA, "bookings.GiftVoucher": fake}) == ["bookings.GiftVoucher"]


def test_the_page_lists_them_too(client, priya, everything):
    client.force_login(priya)

    page = client.get(reverse("my_data")).content.decode()

    assert f"{ACTIVITY}: 3/10, when booking" in page
    assert "Pain: 4/10, at the check-in, two days after" in page
    assert "Trimester: Second" in page
    assert "You said your doctor agreed to the massage" in page
    assert "Aftercare: how do you feel now? to priya@example.com: failed" in page
    assert "Booking page (health answers and notes)" in page  # who looked, and how
    assert "from priya.q@example.com to priya@example.com" in page
    assert "booking form, ticked" in page


def test_her_own_words_are_shown_as_text_never_as_markup(client, priya, everything):
    attended, _ = everything
    OutcomeScore.objects.filter(booking=attended, kind="activity").update(measure="<script>alert(1)</script>")
    client.force_login(priya)

    page = client.get(reverse("my_data")).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_takes_the_same_queries_however_much_she_has(client, priya, asha, sports, everything):
    client.force_login(priya)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("my_data")).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    for days in range(40, 45):
        more = make_booking(
            therapist=asha, client=priya, session_type=sports, start=NOW - dt.timedelta(days=days), status="attended"
        )
        OutcomeScore.objects.create(booking=more, taken="booking", kind="pain", measure="pain", score=3, taken_at=NOW)
        BookingContactChange.objects.create(
            booking=more, changed_by=asha.user, at=NOW, old_email="a@example.com", new_email=priya.email, reason="typo"
        )
        HealthDataAccess.objects.create(accessed_by=asha.user, booking=more, client_email=priya.email, via="admin")
        OutboundEmail.objects.create(booking=more, kind="booking_reminder", to_email=priya.email, due_at=NOW)

    assert queries() == before


# Erasure ---------------------------------------------------------------------------------


def test_before_erasure_the_check_finds_her_everywhere_she_is(priya, everything):
    assert rows_naming_her(models_holding_client_data()) == [
        "bookings.AftercareOptOut",
        "bookings.Booking",
        "bookings.BookingContactChange",
        "bookings.HealthDataAccess",
        "bookings.HealthScreen",
        "bookings.MarketingConsent",
        "bookings.OutboundEmail",
        "bookings.OutcomeScore",
        "bookings.SessionNoteAmendment",
    ]


def test_erasure_removes_what_it_can_at_once_and_her_scores_with_it(priya, everything):
    _, cancelled = everything

    client_data_erase(user=priya, now=NOW)

    assert not OutcomeScore.objects.filter(booking=cancelled).exists()
    cancelled.refresh_from_db()
    assert (cancelled.cancelled_by, cancelled.cancellation_reason, cancelled.client_phone) == (None, "", "")
    # Only the held clinical record (the attended session) still names her, until its date.
    assert set(rows_naming_her(models_holding_client_data())) <= {
        "bookings.Booking",
        "bookings.BookingContactChange",
        "bookings.HealthDataAccess",
        "bookings.HealthScreen",
        "bookings.OutboundEmail",
        "bookings.OutcomeScore",
        "bookings.SessionNoteAmendment",
    }
    assert not HealthScreen.objects.filter(booking=cancelled).exists()


def test_once_the_hold_is_released_no_row_names_her_and_nothing_deleted_is_left(priya, everything, caplog):
    erasure = client_data_erase(user=priya, now=NOW)

    with caplog.at_level(logging.DEBUG):
        assert erase_expired_records(today=erasure.hold_until) == 1

    assert rows_naming_her(models_holding_client_data()) == []
    assert rows_linked_to(priya, models_holding_client_data()) == ["bookings.ErasureRequest.user"]  # now anonymous
    for label, held in CLIENT_DATA.items():
        if held.erased == DELETED:
            assert not apps.get_model(label).objects.exists(), label
    assert not OutcomeScore.objects.exists()
    assert not SessionNoteAmendment.objects.exists()
    account = get_user_model().objects.get(pk=priya.pk)
    assert (account.first_name, account.last_name, account.email) == ("", "", "")
    assert not any(trace in caplog.text.lower() for trace in HER_TRACES)


def test_what_is_kept_after_erasure_is_kept_on_purpose(priya, everything):
    """The access log, the emails' record, consents and contact changes stay, anonymous."""
    attended, _ = everything
    erasure = client_data_erase(user=priya, now=NOW)
    erase_expired_records(today=erasure.hold_until)

    address = f"erased-{attended.pk}@erased.invalid"
    assert list(HealthDataAccess.objects.values_list("client_email", flat=True)) == [address]
    emails = OutboundEmail.objects.order_by("pk").values_list("to_email", "extra", "last_error")
    # Her booking's email, and her waitlist offer's (about a hold that names no one).
    assert list(emails) == [(address, {}, ""), ("erased@erased.invalid", {}, "")]
    assert BookingContactChange.objects.get().changed_by.is_superuser
    assert SessionNote.objects.count() == 0
    assert CLIENT_DATA["bookings.HealthDataAccess"].erased != DELETED
