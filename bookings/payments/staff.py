"""The fee buttons on the staff's booking page: charge a fee now, or waive it with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings.models import Booking, Charge
from bookings.models.payment_terms import pounds
from bookings.payments import gateway
from bookings.payments.fees import FEES, FeeRefused, fee_charge, fee_waive, may_handle_fees


@login_required
@require_POST
def booking_fee(request, booking_id: int):
    booking = get_object_or_404(Booking.objects.select_related("therapist"), pk=booking_id)
    purpose = request.POST.get("purpose", "")
    if not may_handle_fees(request.user, booking) or purpose not in FEES:
        raise Http404
    now = timezone.now()
    try:
        if request.POST.get("action") == "charge":
            charge = get_object_or_404(Charge, booking=booking, purpose=purpose)
            charge = fee_charge(charge_id=charge.pk, by=request.user, now=now)
            if charge.status == Charge.Status.SUCCEEDED:
                messages.success(request, f"{pounds(charge.amount_pence)} charged to the client's saved card.")
            else:
                messages.error(request, f"Not charged: {charge.failure_message or charge.get_status_display()}.")
        elif request.POST.get("action") == "waive":
            fee_waive(
                booking_id=booking.pk, purpose=purpose, by=request.user, reason=request.POST.get("reason", ""), now=now
            )
            messages.success(request, "Fee waived; anything already taken for it is being refunded.")
        else:
            messages.error(request, "That action is not available.")
    except FeeRefused as refused:
        messages.error(request, refused.message)
    except gateway.GatewayError:
        messages.error(request, "Our payment provider did not answer. Nothing changed. Please try again in a minute.")
    return redirect("booking_detail", booking_id=booking.pk)
