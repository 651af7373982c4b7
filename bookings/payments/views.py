"""The payment page: the terms in words, the card form (Stripe Elements: the card goes from
the browser to Stripe, never through us) and the bank's check when it asks for one. Opened
from the booking's emailed link or from My bookings, like the booking's own page."""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.models import Booking, BookingPayment
from bookings.models.payment_terms import Terms, pounds, terms_in_words
from bookings.payments import checkout, gateway
from bookings.views.aftercare import link_not_valid
from bookings.views.manage import booking_for_token, own_booking


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_allowed(view):
    """Only the payment page may load Stripe.js and talk to Stripe (and frame its bank
    checks); every other page allows only this site. Read per request, from the settings."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = sorted(
            {_origin(settings.STRIPE_JS_URL), _origin(settings.STRIPE_API_BASE or "https://api.stripe.com")}
        )
        response._csp_update = {
            "script-src": origins,
            "connect-src": origins,
            "frame-src": [*origins, "https://hooks.stripe.com"],
        }
        return response

    return wrapped


@never_cache
@stripe_allowed
@require_http_methods(["GET", "POST"])
def booking_pay(request, token: str):
    booking = booking_for_token(token)
    if booking is None:
        return link_not_valid(request)
    return _pay(request, booking, reverse("booking_pay", args=[token]), reverse("booking_manage", args=[token]))


@never_cache
@login_required
@stripe_allowed
@require_http_methods(["GET", "POST"])
def my_booking_pay(request, booking_id: int):
    booking = own_booking(request, booking_id)
    if booking is None:
        return link_not_valid(request)
    pay_url = reverse("my_booking_pay", args=[booking.pk])
    return _pay(request, booking, pay_url, reverse("my_booking_manage", args=[booking.pk]))


def _pay(request, booking: Booking, pay_url: str, manage_url: str):
    payment = BookingPayment.objects.filter(booking=booking).first()
    if payment is None:
        return redirect(manage_url)
    now = timezone.now()
    try:
        if request.method == "POST":
            step = _posted(request, booking, now)
            if step is None:
                return redirect(pay_url)
        else:
            step = checkout.card_step(booking_id=booking.pk, now=now)
    except checkout.PaymentRefused as refused:
        messages.error(request, refused.message)
        if request.method == "POST":
            return redirect(pay_url)
        step = None
    except gateway.GatewayError:
        messages.error(
            request, "We could not reach our payment provider. Nothing was taken. Please try again in a minute."
        )
        step = None
    if step is not None and step.paid:
        return _paid(request, booking, manage_url)
    payment.refresh_from_db()
    return render(
        request,
        "bookings/payments/pay.html",
        {
            "booking": booking,
            "payment": payment,
            "due": pounds(payment.due_pence),
            "terms": terms_in_words(Terms.agreed(payment)),
            "step": step,
            "pay_url": pay_url,
            "manage_url": manage_url,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "stripe_live": settings.STRIPE_LIVE,
            "hold_lapsed": booking.status == Booking.Status.CANCELLED or payment.pay_by <= now,
        },
    )


def _posted(request, booking: Booking, now) -> checkout.Step | None:
    """The card form's answer: the card saved (its SetupIntent), the bank's check done, or the
    card refused in the browser (said, and the form shown again for another card)."""
    if error := request.POST.get("card_error", "").strip():
        messages.error(request, f"{error[:200]} Nothing was taken. Please check the details or try another card.")
        return None
    if request.POST.get("checked"):
        return checkout.payment_checked(booking_id=booking.pk, now=now)
    return checkout.card_saved(booking_id=booking.pk, setup_intent_id=request.POST.get("setup_intent", ""), now=now)


def _paid(request, booking: Booking, manage_url: str):
    booking.refresh_from_db()
    payment = booking.payment
    if booking.status == Booking.Status.AWAITING_REVIEW:
        said = "your therapist will confirm your booking by email after reading your health answers"
    else:
        said = "you're booked in and we've emailed your confirmation"
    if payment.due_pence:
        messages.success(request, f"Thank you: {pounds(payment.due_pence)} paid, and {said}.")
    else:
        messages.success(request, f"Thank you: your card is saved, and {said}.")
    return redirect(manage_url)
