"""Paying while booking, against the in-process fake of Stripe: the booking holds its time
awaiting payment and sends nothing; a saved card and a paid deposit confirm it once (ledger,
emails); a declined card says so and leaves it awaiting; a tampered or foreign SetupIntent is
refused; the hold's end releases it, unless Stripe says it was paid."""

import datetime as dt

import pytest

from bookings.models import Booking, BookingPayment, Charge, FreedTime, LedgerEntry, OutboundEmail, Take
from bookings.models.payment_terms import Terms, terms_for, terms_in_words
from bookings.payments import checkout
from bookings.payments.tasks import payments_reconcile

from ...clock import NOW, at, days_from_now
from ...factories import book, make_user
from .fake_stripe import DECLINED_ON_CHARGE, DECLINED_ON_SAVE, NEEDS_BANK_CHECK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules")]

TUESDAY = days_from_now(6)


def client_emails(booking):
    return sorted(booking.emails.filter(to_email=booking.client_email).values_list("kind", flat=True))


def test_a_booking_under_a_deposit_policy_waits_for_payment_and_sends_nothing(asha, deposit_policy, sports):
    booking = book(sports, asha, at(TUESDAY, "10:00"))

    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert booking.emails.count() == 0  # no confirmation, no reminders, no staff notice yet
    payment = booking.payment
    assert (payment.take, payment.due_pence, payment.late_cancel_fee_pence, payment.no_show_fee_pence) == (
        Take.DEPOSIT,
        1100,
        2750,
        5500,
    )
    assert payment.pay_by == NOW + dt.timedelta(minutes=15)
    assert payment.status_when_paid == Booking.Status.CONFIRMED


def test_staff_booking_a_client_in_takes_no_online_payment(asha, deposit_policy, sports, admin_user):
    booking = book(sports, asha, at(TUESDAY, "10:00"), booked_by=admin_user)
    assert booking.status == Booking.Status.CONFIRMED
    assert not BookingPayment.objects.filter(booking=booking).exists()


def test_paying_the_deposit_confirms_the_booking_once_with_its_emails_and_a_ledger_row(
    asha, deposit_policy, sports, fake_stripe
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    step = checkout.card_step(booking_id=booking.pk, now=NOW)
    setup_intent = step.setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)

    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW).paid
    # The form sent twice: nothing charged again.
    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW).paid

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert len(fake_stripe.payment_intents) == 1
    assert list(booking.ledger.values_list("kind", "amount_pence")) == [(LedgerEntry.Kind.PAYMENT, 1100)]
    kinds = client_emails(booking)
    assert kinds.count(OutboundEmail.Kind.BOOKING_CONFIRMATION) == 1
    assert OutboundEmail.Kind.BOOKING_REMINDER in kinds
    assert booking.payment.stripe_payment_method


def test_a_card_declined_when_saved_says_so_and_a_new_card_form_follows(asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    first = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(first, DECLINED_ON_SAVE)

    with pytest.raises(checkout.PaymentRefused):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=first, now=NOW)
    second = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    assert second != first
    booking.refresh_from_db()
    assert booking.status == Booking.Status.AWAITING_PAYMENT


def test_a_card_declined_when_charged_takes_nothing_and_another_card_pays(asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    first = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(first, DECLINED_ON_CHARGE)
    with pytest.raises(checkout.PaymentRefused, match="declined"):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=first, now=NOW)
    assert Charge.objects.get(booking=booking).status == Charge.Status.DECLINED
    assert not LedgerEntry.objects.exists()

    second = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(second)
    assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=second, now=NOW).paid
    charge = Charge.objects.get(booking=booking)
    assert (charge.status, charge.attempts) == (Charge.Status.SUCCEEDED, 2)


def test_the_banks_check_is_asked_for_and_the_payment_checked_after_it(asha, deposit_policy, sports, fake_stripe):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent, NEEDS_BANK_CHECK)

    step = checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    assert step.payment_secret and not step.paid
    fake_stripe.bank_check(step.payment_secret.split("_secret_")[0])
    assert checkout.payment_checked(booking_id=booking.pk, now=NOW).paid
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_setup_intent_of_another_booking_is_refused_and_changes_nothing(asha, deposit_policy, sports, fake_stripe):
    mine = book(sports, asha, at(TUESDAY, "10:00"))
    theirs = book(sports, asha, at(TUESDAY, "14:00"))
    checkout.card_step(booking_id=mine.pk, now=NOW)
    their_intent = checkout.card_step(booking_id=theirs.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(their_intent)

    with pytest.raises(checkout.PaymentRefused, match="not for this booking"):
        checkout.card_saved(booking_id=mine.pk, setup_intent_id=their_intent, now=NOW)
    mine.refresh_from_db()
    assert mine.status == Booking.Status.AWAITING_PAYMENT
    assert not Charge.objects.exists()


def test_an_unpaid_booking_is_released_when_its_hold_ends_and_its_time_offered(
    asha, deposit_policy, sports, fake_stripe, clock
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    checkout.card_step(booking_id=booking.pk, now=NOW)

    clock.shift(dt.timedelta(minutes=14))
    assert payments_reconcile()["released"] == 0
    clock.shift(dt.timedelta(minutes=2))
    assert payments_reconcile()["released"] == 1

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.emails.count() == 0
    assert FreedTime.objects.filter(therapist=asha, start=booking.start).exists()
    with pytest.raises(checkout.PaymentRefused, match="released"):
        checkout.card_step(booking_id=booking.pk, now=NOW + dt.timedelta(minutes=16))
    # The time is free again: someone else books it.
    assert book(sports, asha, at(TUESDAY, "10:00"), now=NOW + dt.timedelta(minutes=16)).pk != booking.pk


def test_a_payment_whose_answer_was_lost_is_found_before_the_hold_ends(
    asha, deposit_policy, sports, fake_stripe, clock, monkeypatch
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    # Stripe takes the payment, but the answer never reaches us (the connection drops).
    real_create = fake_stripe.payment_intent_create

    def lost(**kwargs):
        real_create(**kwargs)
        raise checkout.gateway.GatewayError("connection dropped")

    monkeypatch.setattr(checkout.gateway, "payment_intent_create", lost)
    with pytest.raises(checkout.gateway.GatewayError):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    assert Charge.objects.get(booking=booking).stripe_payment_intent is None

    clock.shift(dt.timedelta(minutes=16))
    result = payments_reconcile()
    booking.refresh_from_db()
    assert (result["released"], booking.status) == (0, Booking.Status.CONFIRMED)
    assert booking.ledger.get().amount_pence == 1100


def test_stripe_down_at_the_holds_end_releases_nothing_until_it_answers(
    asha, deposit_policy, sports, fake_stripe, clock
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    Charge.objects.update(status=Charge.Status.STARTING)  # as if its answer were still awaited
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.AWAITING_PAYMENT)
    fake_stripe.down = True
    clock.shift(dt.timedelta(minutes=16))
    assert "error" in payments_reconcile()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.AWAITING_PAYMENT


def test_terms_for_a_first_visit_can_be_stricter(asha, deposit_policy, sports):
    deposit_policy.first_visit_take = Take.FULL
    deposit_policy.save()
    first = terms_for(sports, client_email="new@example.com")
    assert (first.take, first.due_pence) == (Take.FULL, 5500)
    returning = make_user("ret")
    book(sports, asha, at(TUESDAY, "10:00"), booked_by=make_user("desk", is_staff=True))
    Booking.objects.update(status=Booking.Status.ATTENDED, client_email=returning.email)
    again = terms_for(sports, client_email=returning.email.upper())
    assert (again.take, again.due_pence) == (Take.DEPOSIT, 1100)


def test_the_terms_in_words_name_the_amounts_and_the_free_window():
    words = " ".join(
        terms_in_words(
            Terms(
                take=Take.DEPOSIT,
                due_pence=1100,
                late_cancel_fee_pence=2750,
                no_show_fee_pence=5500,
                fees_charged="automatic",
                no_fee_when_refilled=True,
            )
        )
    )
    assert "deposit of £11.00" in words
    assert "refund it in full" in words and "24 hours" in words
    assert "£27.50" in words and "£55.00" in words
    assert "without you present" in words


def test_the_form_sent_again_while_its_payment_is_asked_of_stripe_charges_nothing_more(
    asha, deposit_policy, sports, fake_stripe, monkeypatch
):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent)
    real_create = fake_stripe.payment_intent_create

    def lost(**kwargs):
        real_create(**kwargs)
        raise checkout.gateway.GatewayError("connection dropped")

    monkeypatch.setattr(checkout.gateway, "payment_intent_create", lost)
    with pytest.raises(checkout.gateway.GatewayError):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    with pytest.raises(checkout.PaymentRefused, match="already being taken"):
        checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    with pytest.raises(checkout.PaymentRefused, match="already being taken"):
        checkout.card_step(booking_id=booking.pk, now=NOW)
    assert len(fake_stripe.payment_intents) == 1


def test_without_stripe_keys_nothing_is_taken_online(asha, deposit_policy, sports, settings):
    settings.STRIPE_SECRET_KEY = ""
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    assert booking.status == Booking.Status.CONFIRMED
    assert not BookingPayment.objects.filter(booking=booking).exists()
