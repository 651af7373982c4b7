"""Service and marketing kept apart: "book again" (marketing) goes only to a client who ticked the
box for it, at the rebooking interval of their problem, with a one-click unsubscribe (RFC 8058)
that stops marketing and nothing else."""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bookings.messaging.tokens import link_issue
from bookings.models import Booking, BookingLink, MarketingConsent, OutboundEmail
from bookings.privacy import marketing
from bookings.services.outcome import session_complete
from clinic.problems import Problem

from ..clock import NOW, TODAY, at, days_from_now, london
from ..factories import consent_given, details_url, form_data, make_booking
from ..outbox import send_due_emails

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

Kind = OutboundEmail.Kind


def attended(asha, *, email="alice@example.com", problem=Problem.ACHILLES) -> Booking:
    booking = consent_given(make_booking(therapist=asha, client_email=email, start=at(TODAY, "07:30")))
    return session_complete(
        therapist=asha,
        booking_id=booking.pk,
        areas_worked=["back-calf-left"],
        pressure_used=5,
        problem=problem,
        now=NOW,
    )


def test_without_consent_no_book_again_email_is_planned(asha):
    booking = attended(asha)

    assert not booking.emails.filter(kind=Kind.BOOK_AGAIN).exists()
    assert booking.emails.filter(kind__in=OutboundEmail.AFTERCARE).count() == 3  # service goes on


@pytest.mark.parametrize(
    "problem, weeks",
    [(Problem.ACHILLES, 2), (Problem.POST_TRAINING, 3), (Problem.GENERAL_TIGHTNESS, 4), (Problem.RELAXATION, 5)],
)
def test_with_consent_book_again_is_planned_at_the_problems_interval_at_ten_london(asha, problem, weeks):
    marketing.marketing_consent_give(email="Alice@Example.com", how="test")

    booking = attended(asha, problem=problem)

    [email] = booking.emails.filter(kind=Kind.BOOK_AGAIN)
    assert email.due_at == at(TODAY + dt.timedelta(weeks=weeks), "10:00")


@pytest.mark.parametrize(
    "session_end, due",
    [
        # Two weeks on is the day the clocks go back (25 October 2026): 10:00 GMT.
        (london(2026, 10, 11, 12), london(2026, 10, 25, 10)),
        # ... and the day they go forward (29 March 2026): 10:00 BST, 09:00 UTC.
        (london(2026, 3, 15, 12), london(2026, 3, 29, 10)),
    ],
)
def test_book_again_keeps_ten_oclock_london_across_the_clock_changes(session_end, due):
    booking = SimpleNamespace(end=session_end.astimezone(dt.UTC))
    assert marketing.book_again_due(booking=booking, problem=Problem.ACHILLES) == due.astimezone(dt.UTC)


def test_the_booking_form_offers_marketing_unticked_and_records_only_a_tick(client, asha, sports):
    page = client.get(
        details_url(sports)
        + "?"
        + urlencode({"therapist": asha.pk, "start": at(days_from_now(6), "10:00").isoformat()})
    )
    html = page.content.decode()
    assert 'name="marketing"' in html and "checked" not in html.split('name="marketing"')[1].split(">")[0]

    client.post(details_url(sports), form_data(asha, at(days_from_now(6), "10:00")))
    assert not MarketingConsent.objects.exists()

    client.post(details_url(sports), form_data(asha, at(days_from_now(6), "12:00"), marketing="on"))
    [consent] = MarketingConsent.objects.all()
    assert (consent.email, consent.wording, consent.wording_version, consent.withdrawn_at) == (
        "gina@example.com",
        marketing.WORDING,
        marketing.WORDING_VERSION,
        None,
    )


def test_staff_booking_for_a_client_cannot_give_marketing_consent_for_them(client, asha, sports):
    client.force_login(asha.user)
    page = client.get(
        details_url(sports)
        + "?"
        + urlencode({"therapist": asha.pk, "start": at(days_from_now(6), "10:00").isoformat()})
    )
    assert 'name="marketing"' not in page.content.decode()

    client.post(details_url(sports), form_data(asha, at(days_from_now(6), "10:00"), marketing="on"))
    assert not MarketingConsent.objects.exists()


def test_the_book_again_email_carries_a_one_click_unsubscribe(asha):
    marketing.marketing_consent_give(email="alice@example.com", how="test")
    booking = attended(asha)

    sent = send_due_emails(at(days_from_now(14), "10:00"))

    [message] = [m for m in sent if m.subject.startswith("Time for your next session")]
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in message.body
    assert BookingLink.objects.get(booking=booking, purpose=BookingLink.Purpose.UNSUBSCRIBE).expires_at is None


def test_one_click_unsubscribe_stops_marketing_only_with_no_cookie_or_csrf_token(asha):
    marketing.marketing_consent_give(email="alice@example.com", how="test")
    booking = attended(asha)
    token = link_issue(booking=booking, purpose=BookingLink.Purpose.UNSUBSCRIBE)
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        reverse("marketing_unsubscribe", args=[token]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    consent = MarketingConsent.objects.get()
    assert consent.withdrawn_at == NOW and consent.withdrawn_how == "one-click (mail client)"
    assert booking.emails.get(kind=Kind.BOOK_AGAIN).status == OutboundEmail.Status.CANCELLED
    # Service emails go on.
    assert set(booking.emails.filter(kind__in=OutboundEmail.AFTERCARE).values_list("status", flat=True)) == {
        OutboundEmail.Status.QUEUED
    }
    assert mail_client.post(reverse("marketing_unsubscribe", args=[token])).status_code == 200  # twice is harmless


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_unsubscribe_link_changes_nothing(client, asha, method):
    marketing.marketing_consent_give(email="alice@example.com", how="test")
    token = link_issue(booking=attended(asha), purpose=BookingLink.Purpose.UNSUBSCRIBE)

    response = getattr(client, method)(reverse("marketing_unsubscribe", args=[token]))

    assert response.status_code == 200
    assert MarketingConsent.objects.get().withdrawn_at is None
    if method == "get":
        assert ">Stop these emails</button>" in response.content.decode()


def test_a_forged_unsubscribe_link_gets_a_clear_404(client, asha):
    aftercare_token = link_issue(booking=attended(asha), purpose=BookingLink.Purpose.AFTERCARE)
    for bad in ("nonsense", aftercare_token):
        response = client.post(reverse("marketing_unsubscribe", args=[bad]))
        assert response.status_code == 404 and "This link is not valid" in response.content.decode()


def test_consent_withdrawn_after_planning_means_the_email_never_goes(asha):
    marketing.marketing_consent_give(email="alice@example.com", how="test")
    booking = attended(asha)
    marketing.marketing_consent_withdraw(email="alice@example.com", how="told the clinic")
    # Even a row that escaped the withdrawal (an admin's "send again", say) is checked when due.
    booking.emails.filter(kind=Kind.BOOK_AGAIN).update(status=OutboundEmail.Status.QUEUED)

    sent = send_due_emails(at(days_from_now(14), "10:00"))

    assert not [m for m in sent if m.subject.startswith("Time for your next session")]
    email = booking.emails.get(kind=Kind.BOOK_AGAIN)
    assert (email.status, email.last_error) == (OutboundEmail.Status.CANCELLED, "No marketing consent.")
    assert len(sent) == 3  # the aftercare


def test_a_client_who_has_booked_again_is_not_asked_to(asha):
    marketing.marketing_consent_give(email="alice@example.com", how="test")
    booking = attended(asha)
    make_booking(therapist=asha, client_email="alice@example.com", start=at(days_from_now(20), "10:00"))
    mail.outbox.clear()

    send_due_emails(at(days_from_now(14), "10:00"))

    email = booking.emails.get(kind=Kind.BOOK_AGAIN)
    assert (email.status, email.last_error) == (OutboundEmail.Status.CANCELLED, "The client has booked again.")


def test_giving_consent_twice_keeps_one_live_record_and_withdrawing_keeps_the_history():
    first = marketing.marketing_consent_give(email="alice@example.com", how="booking form, ticked", now=NOW)
    again = marketing.marketing_consent_give(email="ALICE@example.com", how="booking form, ticked")
    marketing.marketing_consent_withdraw(email="alice@example.com", how="unsubscribe page")
    marketing.marketing_consent_give(email="alice@example.com", how="booking form, ticked")

    assert again.pk == first.pk
    assert MarketingConsent.objects.count() == 2
    assert marketing.marketing_consent_active(email="alice@example.com")
