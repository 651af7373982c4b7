"""The one place Stripe is called. Each function asks Stripe one thing and returns what
Stripe said; the callers decide what it means for a booking. Errors are GatewayError (Stripe
could not be reached, or refused the request) or CardDeclined (the card was refused, with
the bank's words for the client)."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import stripe
from django.conf import settings


class GatewayError(Exception):
    """Stripe could not be asked, or refused the request for a reason that is not the card's."""


class CardDeclined(GatewayError):
    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Intent:
    """A SetupIntent or PaymentIntent as Stripe reports it."""

    id: str
    status: str
    client_secret: str
    metadata: dict
    amount: int = 0
    customer: str = ""
    payment_method: str = ""
    latest_charge: str = ""
    created: int = 0  # seconds since the epoch, as Stripe gives it


def _client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else {}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2, http_client=_http_client()
    )


_HTTP_CLIENT = None


def _http_client():
    # One client (and its connection pool) per process; every call is bounded in time.
    global _HTTP_CLIENT
    if _HTTP_CLIENT is None:
        _HTTP_CLIENT = stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS)
    return _HTTP_CLIENT


def _intent(obj) -> Intent:
    def text(value) -> str:
        return value if isinstance(value, str) else (getattr(value, "id", "") or "")

    return Intent(
        id=obj.id,
        status=obj.status,
        client_secret=getattr(obj, "client_secret", "") or "",
        metadata=obj.metadata.to_dict() if getattr(obj, "metadata", None) else {},
        amount=getattr(obj, "amount", 0) or 0,
        customer=text(getattr(obj, "customer", "")),
        payment_method=text(getattr(obj, "payment_method", "")),
        latest_charge=text(getattr(obj, "latest_charge", "")),
        created=getattr(obj, "created", 0) or 0,
    )


def _call(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except stripe.CardError as error:
        raise CardDeclined(error.user_message or "Your card was declined.", error.code or "") from error
    except stripe.StripeError as error:
        raise GatewayError(str(error.user_message or error)) from error


def customer_create(*, email: str, name: str, booking_id: int) -> str:
    customer = _call(
        _client().v1.customers.create,
        params={"email": email, "name": name, "metadata": {"booking": str(booking_id)}},
        options={"idempotency_key": f"booking-{booking_id}-customer"},
    )
    return customer.id


def setup_intent_create(*, customer: str, booking_id: int) -> Intent:
    """A SetupIntent saving the client's card for later use without them (fees)."""
    intent = _call(
        _client().v1.setup_intents.create,
        params={"customer": customer, "usage": "off_session", "metadata": {"booking": str(booking_id)}},
    )
    return _intent(intent)


def setup_intent_get(setup_intent_id: str) -> Intent:
    return _intent(_call(_client().v1.setup_intents.retrieve, setup_intent_id))


def payment_intent_create(
    *,
    charge_id: int,
    attempt: int,
    booking_id: int,
    amount_pence: int,
    customer: str,
    payment_method: str,
    off_session: bool,
) -> Intent:
    """Charges the saved card now (confirmed as it is created). Raises CardDeclined."""
    params = {
        "amount": amount_pence,
        "currency": "gbp",
        "customer": customer,
        "payment_method": payment_method,
        "confirm": True,
        "metadata": {"booking": str(booking_id), "charge": str(charge_id)},
    }
    if off_session:
        params["off_session"] = True
    intent = _call(
        _client().v1.payment_intents.create, params=params, options={"idempotency_key": f"charge-{charge_id}-{attempt}"}
    )
    return _intent(intent)


def payment_intent_get(payment_intent_id: str) -> Intent:
    return _intent(_call(_client().v1.payment_intents.retrieve, payment_intent_id))


def payment_intents_listed(*, newer_than: datetime.datetime, pages: int = 50) -> Iterator[Intent]:
    """PaymentIntents, page by page (Stripe lists the newest first), until a whole page is older
    than ``newer_than`` or ``pages`` pages were read: how a charge whose answer was lost is found."""
    after = None
    for _ in range(pages):
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        page = _call(_client().v1.payment_intents.list, params=params)
        yield from (_intent(item) for item in page.data)
        if not page.has_more or not page.data:
            return
        if all((item.created or 0) < newer_than.timestamp() for item in page.data):
            return
        after = page.data[-1].id


def refund_create(*, payment_intent: str, amount_pence: int, key: str) -> str:
    refund = _call(
        _client().v1.refunds.create,
        params={"payment_intent": payment_intent, "amount": amount_pence},
        options={"idempotency_key": key},
    )
    return refund.id


def refunds_for(payment_intent: str) -> list[tuple[str, int]]:
    """The refunds Stripe has made of a payment, as (id, pence): Stripe's word on what went back."""
    page = _call(_client().v1.refunds.list, params={"payment_intent": payment_intent, "limit": 100})
    return [(refund.id, refund.amount) for refund in page.data if refund.status != "failed"]


def charges_all() -> list[dict]:
    """Every charge Stripe holds for this account (for the ledger reconciliation command)."""
    charges, after = [], None
    while True:
        params = {"limit": 100, **({"starting_after": after} if after else {})}
        page = _call(_client().v1.charges.list, params=params)
        charges += [
            {
                "id": c.id,
                "payment_intent": c.payment_intent if isinstance(c.payment_intent, str) else "",
                "amount": c.amount,
                "amount_refunded": c.amount_refunded,
                "status": c.status,
            }
            for c in page.data
        ]
        if not page.has_more or not page.data:
            return charges
        after = page.data[-1].id


def webhook_event(payload: bytes, signature: str) -> dict:
    """The event in a webhook's body, once its signature is checked. Raises ValueError."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise ValueError(str(error)) from error
    return event.to_dict()
