"""A signed-in client's own data: see it, download it, ask for it to be erased."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.privacy import health_consent, my_data


@never_cache
@login_required
def my_data_page(request):
    return render(request, "bookings/my_data.html", {"data": my_data.my_data_export(user=request.user)})


@never_cache
@login_required
def my_data_download(request):
    data = my_data.my_data_export(user=request.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate():%Y-%m-%d}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data_erase(request):
    """A confirm page, then the erasure on POST (never on GET: a link must not erase)."""
    if request.method == "POST":
        try:
            erasure = my_data.client_data_erase(user=request.user)
        except my_data.ErasureRefused as refused:
            messages.error(request, refused.message)
            return redirect("my_data")
        logout(request)
        return render(request, "bookings/my_data_erased.html", {"erasure": erasure})
    return render(
        request, "bookings/my_data_erase.html", {"settings_retention_years": settings.CLINICAL_RECORD_RETENTION_YEARS}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data_withdraw_consent(request):
    """A confirm page saying what withdrawing does and does not do, then the withdrawal on POST."""
    if request.method == "POST":
        try:
            count = health_consent.health_consent_withdraw(user=request.user)
        except health_consent.ConsentError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                f"Your health consent is withdrawn ({count} booking{'s' if count != 1 else ''}). "
                "Your therapist will ask you before any upcoming session.",
            )
        return redirect("my_data")
    return render(
        request,
        "bookings/my_data_withdraw_consent.html",
        {"retention_years": settings.CLINICAL_RECORD_RETENTION_YEARS},
    )
