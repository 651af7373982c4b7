"""Compares the ledger with Stripe: every charge Stripe holds against a ledger entry of the
same payment and amount, every payment and fee in the ledger against a Stripe charge, and
every refund both ways. Prints each difference and exits 1 when there is any."""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from bookings.models import LedgerEntry
from bookings.payments import gateway

TAKEN = [LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.FEE_CHARGED]


def ledger_differences() -> list[str]:
    """Each difference between Stripe's charges and refunds and the ledger, in words."""
    charges = [charge for charge in gateway.charges_all() if charge["status"] == "succeeded"]
    taken = {entry.stripe_id: entry for entry in LedgerEntry.objects.filter(kind__in=TAKEN)}
    refunded = {entry.stripe_id: entry for entry in LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND)}
    found, at_stripe_refunds = [], defaultdict(int)
    seen = set()
    for charge in charges:
        intent = charge["payment_intent"]
        entry = taken.get(intent)
        if entry is None:
            found.append(
                f"Stripe charge {charge['id']} ({intent or 'no PaymentIntent'}) of {charge['amount']}p has no ledger entry"
            )
            continue
        seen.add(intent)
        if entry.amount_pence != charge["amount"]:
            found.append(f"{intent}: Stripe charged {charge['amount']}p, the ledger says {entry.amount_pence}p")
        if charge["amount_refunded"]:
            for refund_id, pence in gateway.refunds_for(intent):
                at_stripe_refunds[refund_id] = pence
    for intent, entry in taken.items():
        if intent not in seen:
            found.append(
                f"Ledger {entry.get_kind_display().lower()} {intent} of {entry.amount_pence}p (booking {entry.booking_id}) has no Stripe charge"
            )
    for refund_id, pence in at_stripe_refunds.items():
        if refund_id not in refunded:
            found.append(f"Stripe refund {refund_id} of {pence}p has no ledger entry")
        elif refunded[refund_id].amount_pence != pence:
            found.append(f"{refund_id}: Stripe refunded {pence}p, the ledger says {refunded[refund_id].amount_pence}p")
    for refund_id, entry in refunded.items():
        if refund_id not in at_stripe_refunds:
            found.append(
                f"Ledger refund {refund_id} of {entry.amount_pence}p (booking {entry.booking_id}) has no Stripe refund"
            )
    return found


class Command(BaseCommand):
    help = "List Stripe charges and refunds without a ledger entry, and ledger entries without them."

    def handle(self, *args, **options):
        try:
            found = ledger_differences()
        except gateway.GatewayError as error:
            raise CommandError(f"Stripe did not answer: {error}") from None
        for line in found:
            self.stdout.write(line)
        if found:
            raise CommandError(f"{len(found)} difference(s) between Stripe and the ledger.")
        self.stdout.write("Stripe and the ledger agree.")
