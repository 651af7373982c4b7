"""An in-process fake of bookings.payments.gateway: the same functions, answering as Stripe
does for the test cards (4242... pays, 4000 0000 0000 0002 is declined when saved, ...0341
is saved but declined when charged, ...3155 asks for the bank's check), with every object
kept so tests can look."""

import itertools

from bookings.payments import gateway

DECLINED_ON_SAVE = "4000000000000002"
DECLINED_ON_CHARGE = "4000000000000341"
NEEDS_BANK_CHECK = "4000002500003155"


class FakeStripe:
    def __init__(self):
        self.ids = itertools.count(1)
        self.setup_intents: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.cards: dict[str, str] = {}  # payment method -> card number
        self.down = False
        self.calls: list[str] = []

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.ids)}"

    def _check(self, name: str):
        self.calls.append(name)
        if self.down:
            raise gateway.GatewayError("Stripe is down (fake)")

    def install(self, monkeypatch):
        for name in (
            "customer_create",
            "setup_intent_create",
            "setup_intent_get",
            "payment_intent_create",
            "payment_intent_get",
            "payment_intents_listed",
            "refund_create",
            "refunds_for",
        ):
            monkeypatch.setattr(gateway, name, getattr(self, name))

    # What the browser does ---------------------------------------------------------------

    def card_entered(self, setup_intent_id: str, number: str = "4242424242424242") -> None:
        """Stripe.js confirming the card form's SetupIntent with ``number``."""
        intent = self.setup_intents[setup_intent_id]
        if number == DECLINED_ON_SAVE:
            intent["status"] = "canceled"
            return
        payment_method = self._id("pm")
        self.cards[payment_method] = number
        intent.update(status="succeeded", payment_method=payment_method)

    def bank_check(self, payment_intent_id: str, *, passed: bool = True) -> None:
        intent = self.payment_intents[payment_intent_id]
        intent["status"] = "succeeded" if passed else "requires_payment_method"

    # The gateway -------------------------------------------------------------------------

    def customer_create(self, *, email, name, booking_id):
        self._check("customer_create")
        return self._id("cus")

    def setup_intent_create(self, *, customer, booking_id):
        self._check("setup_intent_create")
        intent_id = self._id("seti")
        self.setup_intents[intent_id] = {
            "status": "requires_payment_method",
            "customer": customer,
            "metadata": {"booking": str(booking_id)},
            "payment_method": "",
        }
        return self.setup_intent_get(intent_id)

    def setup_intent_get(self, setup_intent_id):
        self._check("setup_intent_get")
        intent = self.setup_intents[setup_intent_id]
        return gateway.Intent(
            id=setup_intent_id,
            status=intent["status"],
            client_secret=f"{setup_intent_id}_secret_x",
            metadata=dict(intent["metadata"]),
            customer=intent["customer"],
            payment_method=intent["payment_method"],
        )

    def payment_intent_create(
        self, *, charge_id, attempt, booking_id, amount_pence, customer, payment_method, off_session
    ):
        self._check("payment_intent_create")
        number = self.cards[payment_method]
        if number == DECLINED_ON_CHARGE:
            raise gateway.CardDeclined("Your card was declined.", "card_declined")
        intent_id = self._id("pi")
        self.payment_intents[intent_id] = {
            "status": "requires_action" if number == NEEDS_BANK_CHECK and not off_session else "succeeded",
            "amount": amount_pence,
            "metadata": {"booking": str(booking_id), "charge": str(charge_id)},
            "customer": customer,
            "payment_method": payment_method,
        }
        return self.payment_intent_get(intent_id)

    def payment_intent_get(self, payment_intent_id):
        self._check("payment_intent_get")
        intent = self.payment_intents[payment_intent_id]
        return gateway.Intent(
            id=payment_intent_id,
            status=intent["status"],
            client_secret=f"{payment_intent_id}_secret_x",
            metadata=dict(intent["metadata"]),
            amount=intent["amount"],
            customer=intent["customer"],
            payment_method=intent["payment_method"],
        )

    def payment_intents_listed(self, *, newer_than, pages=50):
        self._check("payment_intents_listed")
        return [self.payment_intent_get(intent_id) for intent_id in reversed(self.payment_intents)]

    def refund_create(self, *, payment_intent, amount_pence, key):
        self._check("refund_create")
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == payment_intent)
        if refunded + amount_pence > self.payment_intents[payment_intent]["amount"]:
            raise gateway.GatewayError("Refund is larger than what is left of the charge (fake)")
        refund_id = self._id("re")
        self.refunds[refund_id] = {"payment_intent": payment_intent, "amount": amount_pence}
        return refund_id

    def refunds_for(self, payment_intent):
        self._check("refunds_for")
        return [
            (refund_id, r["amount"]) for refund_id, r in self.refunds.items() if r["payment_intent"] == payment_intent
        ]
