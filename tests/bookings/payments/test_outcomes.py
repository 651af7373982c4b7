"""A booking that does not go ahead, in money: cancelled in time gets its deposit back;
cancelled late keeps the fee from the deposit, charges the rest from the saved card once the
session's time comes (nothing when someone else booked the time), refunds any surplus; a
no-show is charged its fee; a declined card is kept for staff; staff waive with a reason;
each of these happens once however often it runs."""

import datetime as dt

import pytest

from bookings.models import Booking, BookingPayment, Charge, LedgerEntry
from bookings.payments import checkout
from bookings.payments.fees import FeeRefused, fee_charge, fee_waive
from bookings.payments.outcomes import money_settle
from bookings.payments.tasks import payments_reconcile
from bookings.services.booking_changes import booking_cancel
from bookings.services.outcome import booking_mark_no_show

from ...clock import NOW, at, days_from_now
from ...factories import book
from .fake_stripe import DECLINED_ON_CHARGE, NEEDS_BANK_CHECK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "rules", "celery_eager")]

TUESDAY = days_from_now(6)


@pytest.fixture
def paid_booking(asha, deposit_policy, sports, fake_stripe):
    """A booking on Tuesday at 10:00 with its £11 deposit paid from ``card`` (4242 unless the
    test says otherwise)."""

    def pay(start=None, card="4242424242424242", now=NOW):
        booking = book(sports, asha, start or at(TUESDAY, "10:00"), now=now)
        setup_intent = checkout.card_step(booking_id=booking.pk, now=now).setup_secret.split("_secret_")[0]
        fake_stripe.card_entered(setup_intent)
        assert checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=now).paid
        booking.refresh_from_db()
        if card != "4242424242424242":  # a card that paid the deposit and fails later
            fake_stripe.cards[BookingPayment.objects.get(booking=booking).stripe_payment_method] = card
        return booking

    return pay


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a service and then what it left for after its commit (the settling task, eager)."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def ledger(booking):
    return list(LedgerEntry.objects.filter(booking=booking).values_list("kind", "amount_pence"))


def test_cancelling_in_time_refunds_the_deposit_once(committed, paid_booking, fake_stripe):
    booking = paid_booking()
    committed(booking_cancel, booking_id=booking.pk, now=NOW)

    assert ledger(booking) == [("payment", 1100), ("refund", 1100)]
    assert len(fake_stripe.refunds) == 1
    # Settling again, or the beat task, refunds nothing more.
    assert money_settle(booking_id=booking.pk, now=NOW) == "settled"
    payments_reconcile()
    assert len(fake_stripe.refunds) == 1


def test_a_refund_made_but_not_recorded_is_found_at_stripe_and_not_made_twice(committed, paid_booking, fake_stripe):
    booking = paid_booking()
    intent = Charge.objects.get(booking=booking).stripe_payment_intent
    fake_stripe.refund_create(payment_intent=intent, amount_pence=1100, key="lost")  # its answer was lost
    committed(booking_cancel, booking_id=booking.pk, now=NOW)

    assert ledger(booking) == [("payment", 1100), ("refund", 1100)]
    assert len(fake_stripe.refunds) == 1


def test_cancelling_late_keeps_the_deposit_and_charges_the_rest_of_the_fee_when_the_time_comes(
    committed, paid_booking, fake_stripe, clock
):
    booking = paid_booking(start=at(days_from_now(1), "09:00"))
    committed(booking_cancel, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    assert booking.late_cancellation
    assert ledger(booking) == [("payment", 1100)]  # too soon: someone may book the time

    clock.move_to(at(days_from_now(1), "09:01"))
    payments_reconcile()
    # Late fee £27.50: £11 from the deposit, £16.50 from the saved card.
    assert ledger(booking) == [("payment", 1100), ("fee_charged", 1650)]
    assert BookingPayment.objects.get(booking=booking).settled_at is not None


def test_no_late_fee_when_someone_else_booked_the_time(committed, paid_booking, asha, sports, admin_user, clock):
    booking = paid_booking(start=at(days_from_now(1), "09:00"))
    committed(booking_cancel, booking_id=booking.pk, now=NOW)
    book(sports, asha, at(days_from_now(1), "09:00"), booked_by=admin_user)

    clock.move_to(at(days_from_now(1), "09:01"))
    payments_reconcile()
    assert ledger(booking) == [("payment", 1100), ("refund", 1100)]


def test_a_no_show_is_charged_its_fee_beyond_the_deposit(committed, paid_booking, asha, clock):
    booking = paid_booking()
    clock.move_to(at(TUESDAY, "10:20"))
    committed(booking_mark_no_show, therapist=asha, booking_id=booking.pk, now=at(TUESDAY, "10:20"))

    assert ledger(booking) == [("payment", 1100), ("fee_charged", 4400)]


def test_a_declined_fee_is_kept_for_staff_who_charge_again_or_waive_with_a_reason(
    committed, paid_booking, asha, fake_stripe, clock
):
    booking = paid_booking(card=DECLINED_ON_CHARGE)
    clock.move_to(at(TUESDAY, "10:20"))
    committed(booking_mark_no_show, therapist=asha, booking_id=booking.pk, now=at(TUESDAY, "10:20"))
    fee = Charge.objects.get(booking=booking, purpose=Charge.Purpose.NO_SHOW_FEE)
    assert (fee.status, fee.failure_message) == (Charge.Status.DECLINED, "Your card was declined.")
    assert ledger(booking) == [("payment", 1100)]

    assert fee_charge(charge_id=fee.pk, by=asha.user, now=at(TUESDAY, "10:30")).status == Charge.Status.DECLINED
    with pytest.raises(FeeRefused, match="reason"):
        fee_waive(booking_id=booking.pk, purpose=fee.purpose, by=asha.user, reason=" ", now=at(TUESDAY, "10:30"))
    fee_waive(
        booking_id=booking.pk, purpose=fee.purpose, by=asha.user, reason="Hospital visit", now=at(TUESDAY, "10:31")
    )

    # Waived: the deposit kept towards the fee goes back too.
    assert ledger(booking) == [("payment", 1100), ("fee_waived", 4400), ("refund", 1100)]
    waived = LedgerEntry.objects.get(booking=booking, kind="fee_waived")
    assert (waived.by, waived.reason) == (asha.user, "Hospital visit")


def test_a_fee_already_charged_is_refunded_when_waived(committed, paid_booking, asha, fake_stripe, clock):
    booking = paid_booking()
    clock.move_to(at(TUESDAY, "10:20"))
    committed(booking_mark_no_show, therapist=asha, booking_id=booking.pk, now=at(TUESDAY, "10:20"))
    fee_waive(booking_id=booking.pk, purpose="no_show_fee", by=asha.user, reason="Flat tyre", now=at(TUESDAY, "10:40"))

    assert sorted(ledger(booking)) == sorted(
        [("payment", 1100), ("fee_charged", 4400), ("refund", 4400), ("fee_waived", 4400), ("refund", 1100)]
    )


def test_only_the_bookings_therapist_or_an_admin_may_waive(paid_booking, bob, clock):
    booking = paid_booking()
    with pytest.raises(Charge.DoesNotExist):
        fee_waive(booking_id=booking.pk, purpose="no_show_fee", by=bob.user, reason="x", now=NOW)


def test_fees_queued_for_review_wait_for_staff(committed, paid_booking, deposit_policy, asha, clock):
    deposit_policy.fees_charged = "review"
    deposit_policy.save()
    booking = paid_booking()
    clock.move_to(at(TUESDAY, "10:20"))
    committed(booking_mark_no_show, therapist=asha, booking_id=booking.pk, now=at(TUESDAY, "10:20"))

    fee = Charge.objects.get(booking=booking, purpose=Charge.Purpose.NO_SHOW_FEE)
    assert fee.status == Charge.Status.REVIEW
    assert ledger(booking) == [("payment", 1100)]
    assert fee_charge(charge_id=fee.pk, by=asha.user, now=at(TUESDAY, "10:30")).status == Charge.Status.SUCCEEDED
    assert ledger(booking) == [("payment", 1100), ("fee_charged", 4400)]


def test_a_payment_the_bank_confirms_after_the_release_is_refunded(asha, deposit_policy, sports, fake_stripe, clock):
    booking = book(sports, asha, at(TUESDAY, "10:00"))
    setup_intent = checkout.card_step(booking_id=booking.pk, now=NOW).setup_secret.split("_secret_")[0]
    fake_stripe.card_entered(setup_intent, NEEDS_BANK_CHECK)
    step = checkout.card_saved(booking_id=booking.pk, setup_intent_id=setup_intent, now=NOW)
    clock.shift(dt.timedelta(minutes=16))
    assert payments_reconcile()["released"] == 1  # the bank's check was still not done

    fake_stripe.bank_check(step.payment_secret.split("_secret_")[0])  # done, too late
    clock.shift(dt.timedelta(minutes=1))
    with pytest.raises(checkout.PaymentRefused, match="released, so it is not booked"):
        checkout.payment_checked(booking_id=booking.pk, now=NOW + dt.timedelta(minutes=17))
    clock.shift(dt.timedelta(minutes=1))
    payments_reconcile()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert ledger(booking) == [("payment", 1100), ("refund", 1100)]
