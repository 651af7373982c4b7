"""Stripe's webhooks: the signature checked, each event stored once by its id (a replay
changes nothing), and a PaymentIntent's news applied through intent_settle, which ignores
news older than what it already knows. Anything else Stripe sends is stored and answered."""

import logging

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bookings.models import StripeEvent
from bookings.payments import gateway
from bookings.payments.settle import intent_settle

log = logging.getLogger(__name__)

PAYMENT_INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.canceled",
}


@csrf_exempt  # Stripe cannot send our CSRF token; the signature proves who sent it
@require_POST
def stripe_webhook(request):
    try:
        event = gateway.webhook_event(request.body, request.headers.get("Stripe-Signature", ""))
    except ValueError as error:
        log.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest("Bad signature.")
    event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    try:
        with transaction.atomic():
            StripeEvent.objects.create(event_id=event_id, type=event_type, object_id=str(obj.get("id", ""))[:255])
            if event_type in PAYMENT_INTENT_EVENTS:
                # The event's copy may be older than Stripe's present word (events arrive out of
                # order): ask for the intent as it is now.
                intent_settle(gateway.payment_intent_get(str(obj["id"])), now=timezone.now())
    except IntegrityError:
        log.info("Stripe event %s received again: nothing to do", event_id)
    except gateway.GatewayError as error:
        # Not stored: Stripe sends the event again later, and the reconcile task asks meanwhile.
        log.warning("Stripe event %s not applied (%s): Stripe will retry", event_id, error)
        return HttpResponse("Try again later.", status=503)
    return HttpResponse("OK")
