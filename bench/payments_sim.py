"""The payments bench's work (bench/bench_payments.py): bookings paid at a local Stripe
(localstripe) as the card step does it, some cards declined and some answers lost, then
Stripe's webhooks delivered through the site's webhook view shuffled, each twice, some only
after the reconcile task ran; then the checks of every booking against the ledger and of the
ledger against Stripe. Import after django.setup(), with the settings pointed at localstripe.

Cards (Stripe's test numbers): 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is refused when
the card is saved; 4000 0000 0000 0341 is saved, then declined when charged."""

import dataclasses
import datetime as dt
import random
import uuid

import requests

PAYS, REFUSED_AT_SAVE, DECLINED_AT_CHARGE = "4242424242424242", "4000000000000002", "4000000000000341"
# (name, price, deposit percent): amounts whose 20% and 33% need rounding to the penny.
SESSIONS = [("Sports massage 60", "55.00", 20), ("Sports massage (student)", "42.45", 20), ("Sports plus", "78.45", 33)]
HOURS = range(8, 20)  # one-hour starts inside the therapists' 08:00-20:00


@dataclasses.dataclass
class Plan:
    booking_id: int
    card: str
    lose_answer: bool  # our server never hears Stripe's answer to the charge
    outcome: str = ""  # paid, refused, lost, or what went wrong


@dataclasses.dataclass
class Report:
    bookings: int = 0
    paid_at_once: int = 0
    refused: int = 0
    lost: int = 0
    intents: int = 0
    deliveries_on_time: int = 0
    deliveries_late: int = 0
    forged: int = 0
    reconciles: list = dataclasses.field(default_factory=list)
    booking_seconds: float = 0.0
    confirmed: int = 0
    released: int = 0
    ledger_pence: int = 0
    stripe_pence: int = 0
    problems: list = dataclasses.field(default_factory=list)


def clinic(bookings: int, therapists: int, day: dt.date) -> list:
    """Session types with a deposit policy, therapists, and one free start per booking planned:
    (session_type, therapist, start), on the days from ``day`` on."""
    from bench.seeding import working_therapists
    from bookings.models import BookingRules, PaymentPolicy
    from clinic.london import wall_clock_to_utc
    from clinic.models import SessionType

    rules = BookingRules.load()
    rules.buffer_minutes = 0
    rules.save()
    types = []
    for name, price, percent in SESSIONS:
        session_type = SessionType.objects.create(
            kind="sports", name=name, description=name, duration_minutes=60, price=price
        )
        PaymentPolicy.objects.create(session_type=session_type, take="deposit", deposit_percent=percent)
        types.append(session_type)
    staff = working_therapists(therapists, types[0], day)
    for therapist in staff:
        therapist.session_types.add(*types)
    starts, n = [], 0
    while len(starts) < bookings:
        d, rest = divmod(n, therapists * len(HOURS))
        t, h = divmod(rest, len(HOURS))
        start = wall_clock_to_utc(day + dt.timedelta(days=d), dt.time(HOURS[h]))
        starts.append((types[n % len(types)], staff[t], start))
        n += 1
    return starts


def book_and_pay(stripe, starts: list, rng: random.Random, report: Report) -> list[Plan]:
    """Each time booked and paid as a client does it; 10% with a declined card (half refused
    when saved, half when charged) and 5% of the rest with the charge's answer lost."""
    from django.utils import timezone

    from bookings.models import Booking
    from bookings.payments import checkout, gateway
    from bookings.services.booking import ClientDetails, HealthAnswers, booking_create
    from clinic.problems import Problem

    n = len(starts)
    declined = rng.sample(range(n), round(n * 0.10))
    refused_at_save = set(declined[: len(declined) // 2])
    paying = [i for i in range(n) if i not in declined]
    lose = set(rng.sample(paying, round(len(paying) * 0.05)))
    answers = HealthAnswers(
        answered_yes=(), main_problem=Problem.SHIN_SPLINTS, preferred_pressure=5, notes="", consent=True
    )
    real_create = gateway.payment_intent_create
    losing = {"now": False}

    def create_then_lose(**kwargs):
        intent = real_create(**kwargs)  # Stripe took the charge...
        if losing["now"]:
            raise gateway.GatewayError("bench: the answer was lost on its way back")  # ...we never heard
        return intent

    gateway.payment_intent_create = create_then_lose
    plans = []
    try:
        for i, (session_type, therapist, start) in enumerate(starts):
            booking = booking_create(
                session_type_id=session_type.pk,
                therapist_id=therapist.pk,
                start=start,
                details=ClientDetails(name=f"Client {i}", email=f"client{i}@example.com", phone="07700 900123"),
                answers=answers,
                idempotency_key=uuid.uuid4(),
                now=timezone.now(),
            )
            card = REFUSED_AT_SAVE if i in refused_at_save else DECLINED_AT_CHARGE if i in declined else PAYS
            plan = Plan(booking.pk, card, i in lose)
            plans.append(plan)
            if booking.status != Booking.Status.AWAITING_PAYMENT:
                report.problems.append(f"booking {booking.pk} made as {booking.status}, not awaiting payment")
            secret = checkout.card_step(booking_id=booking.pk, now=timezone.now()).setup_secret
            stripe.card_confirm(secret, card)  # what Stripe.js does in the client's browser
            losing["now"] = plan.lose_answer
            try:
                step = checkout.card_saved(
                    booking_id=booking.pk, setup_intent_id=secret.split("_secret_")[0], now=timezone.now()
                )
                plan.outcome = "paid" if step.paid else f"not paid: {step}"
            except checkout.PaymentRefused:
                plan.outcome = "refused"
            except gateway.GatewayError as error:
                plan.outcome = "lost" if plan.lose_answer else f"gateway error: {error}"
            finally:
                losing["now"] = False
    finally:
        gateway.payment_intent_create = real_create
    report.paid_at_once = sum(p.outcome == "paid" for p in plans)
    report.refused = sum(p.outcome == "refused" for p in plans)
    report.lost = sum(p.outcome == "lost" for p in plans)
    for plan in plans:
        expected = "paid" if plan.card == PAYS and not plan.lose_answer else "lost" if plan.lose_answer else "refused"
        if plan.outcome != expected:
            report.problems.append(f"booking {plan.booking_id} (card {plan.card}): {plan.outcome}, expected {expected}")
    return plans


def stripe_list(stripe, what: str) -> list[dict]:
    """Every object of a kind at localstripe, page by page: the bench's own witness of Stripe."""
    found, after = [], None
    while True:
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        page = requests.get(
            f"{stripe.url}/v1/{what}", params=params, headers={"Authorization": "Bearer sk_test_local"}, timeout=10
        )
        page.raise_for_status()
        body = page.json()
        found += body["data"]
        if not body.get("has_more") or not body["data"]:
            return found
        after = body["data"][-1]["id"]


def webhook_deliveries(intents: list[dict], plans: list[Plan], rng: random.Random) -> tuple[list, list, list]:
    """Events as Stripe sends them, each twice, shuffled: (on time, late, forged). A succeeded
    intent gets a stale payment_failed too; an intent whose answer was lost has its events
    all on time or all late, alternately, so the webhook and the reconcile task each find some."""
    lost = {str(p.booking_id) for p in plans if p.lose_answer}
    on_time, late, forged = [], [], []
    alternate = 0
    for intent in intents:
        kinds = ["payment_intent.succeeded"] if intent["status"] == "succeeded" else []
        kinds.append("payment_intent.payment_failed")  # stale for a success, true for a decline
        events = [
            {"id": f"evt_{uuid.uuid4().hex[:24]}", "type": kind, "data": {"object": {"id": intent["id"]}}}
            for kind in kinds
        ]
        if intent["metadata"].get("booking") in lost:
            alternate += 1
            (late if alternate % 2 else on_time).extend(events * 2)
        else:
            for event in events * 2:
                (late if rng.random() < 0.4 else on_time).append(event)
        if intent["status"] != "succeeded":
            forged.append({**events[0], "id": f"evt_{uuid.uuid4().hex[:24]}", "type": "payment_intent.succeeded"})
    rng.shuffle(on_time)
    rng.shuffle(late)
    return on_time, late, forged


def deliver(events: list, secret: str, expect: int, report: Report) -> int:
    """Posts each event to the webhook view as Stripe does; returns how many were posted."""
    from django.test import Client
    from django.urls import reverse

    from tests.stripe_local import signed

    client, url = Client(), reverse("stripe_webhook")
    for event in events:
        body, signature = signed(event, secret)
        response = client.post(
            url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature, secure=True
        )
        if response.status_code != expect:
            report.problems.append(f"webhook {event['type']} {event['id']}: {response.status_code}, expected {expect}")
    return len(events)


def reconcile(report: Report) -> None:
    from bookings.payments.tasks import payments_reconcile

    result = payments_reconcile()
    report.reconciles.append(result)
    if "error" in result:
        report.problems.append(f"payments_reconcile: {result['error']}")


def check_bookings(plans: list[Plan], report: Report) -> None:
    """Every booking ends confirmed with its deposit taken once, or released with nothing
    kept; a card that paid in time is never released, a declined one never confirmed."""
    from django.db.models import Sum

    from bookings.models import Booking, BookingPayment, Charge, LedgerEntry

    card = {p.booking_id: p.card for p in plans}
    for payment in BookingPayment.objects.select_related("booking").order_by("booking_id"):
        booking, bid = payment.booking, payment.booking_id
        ledger = list(LedgerEntry.objects.filter(booking_id=bid).values_list("kind", "amount_pence", "stripe_id"))
        paid = [row for row in ledger if row[0] == LedgerEntry.Kind.PAYMENT]
        refunded = sum(row[1] for row in ledger if row[0] == LedgerEntry.Kind.REFUND)
        charge = Charge.objects.filter(booking_id=bid, purpose=Charge.Purpose.AT_BOOKING).first()
        if booking.status == payment.status_when_paid:
            report.confirmed += 1
            if card.get(bid) != PAYS:
                report.problems.append(f"booking {bid} confirmed, but its card {card.get(bid)} was declined")
            if len(paid) != 1 or paid[0][1] != payment.due_pence or refunded:
                report.problems.append(f"booking {bid} confirmed: ledger {ledger}, due {payment.due_pence}p")
            if payment.paid_at is None or payment.released_at is not None:
                report.problems.append(f"booking {bid} confirmed: paid_at {payment.paid_at}, released_at set")
            if (
                charge is None
                or charge.status != Charge.Status.SUCCEEDED
                or [charge.stripe_payment_intent] != [row[2] for row in paid]
            ):
                report.problems.append(f"booking {bid} confirmed: its charge is {charge and charge.status}")
        elif booking.status == Booking.Status.CANCELLED and payment.released_at is not None:
            report.released += 1
            if card.get(bid) == PAYS:
                report.problems.append(
                    f"booking {bid} paid at Stripe within its hold but released (charge "
                    f"{charge and charge.stripe_payment_intent}, ledger {ledger})"
                )
            if sum(row[1] for row in paid) != refunded:
                report.problems.append(f"booking {bid} released but keeps money: ledger {ledger}")
        else:
            report.problems.append(f"booking {bid} ended {booking.status} (released_at {payment.released_at})")
    taken = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT).aggregate(p=Sum("amount_pence"))["p"] or 0
    back = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).aggregate(p=Sum("amount_pence"))["p"] or 0
    report.ledger_pence = taken - back


def check_stripe(stripe, intents: list[dict], report: Report) -> None:
    """The ledger and Stripe agree both ways, intent by intent and in total, to the penny; no
    booking was charged twice; the site's own ledger check finds nothing."""
    from bookings.management.commands.payments_ledger_check import ledger_differences
    from bookings.models import LedgerEntry

    charges = [c for c in stripe_list(stripe, "charges") if c["status"] == "succeeded"]
    by_intent = {}
    for charge in charges:
        by_intent.setdefault(charge["payment_intent"], []).append(charge)
    ledger = {}
    for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT):
        ledger.setdefault(entry.stripe_id, []).append(entry)
    refunds = {}
    for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND):
        refunds[entry.booking_id] = refunds.get(entry.booking_id, 0) + entry.amount_pence
    for intent, found in by_intent.items():
        entries = ledger.get(intent, [])
        if len(found) != 1 or len(entries) != 1 or entries[0].amount_pence != found[0]["amount"]:
            amounts = [c["amount"] for c in found], [e.amount_pence for e in entries]
            report.problems.append(f"Stripe charges {amounts[0]}p of {intent}, the ledger {amounts[1]}p")
        elif found[0]["amount_refunded"] != refunds.get(entries[0].booking_id, 0):
            report.problems.append(
                f"{intent}: Stripe refunded {found[0]['amount_refunded']}p, the ledger "
                f"{refunds.get(entries[0].booking_id, 0)}p"
            )
    for intent in set(ledger) - set(by_intent):
        report.problems.append(f"ledger payment {intent} has no succeeded charge at Stripe")
    succeeded = {}
    for intent in intents:
        if intent["status"] == "succeeded":
            succeeded.setdefault(intent["metadata"].get("booking"), []).append(intent["id"])
    for booking, ids in succeeded.items():
        if len(ids) > 1:
            report.problems.append(f"booking {booking} charged {len(ids)} times at Stripe: {ids}")
    report.stripe_pence = sum(c["amount"] - c["amount_refunded"] for c in charges)
    if report.stripe_pence != report.ledger_pence:
        report.problems.append(f"Stripe holds {report.stripe_pence}p net, the ledger {report.ledger_pence}p")
    report.problems += [f"payments_ledger_check: {line}" for line in ledger_differences()]
