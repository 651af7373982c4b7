"""Sessions that can reach clients' records: a second factor before anything else, and an end
after an idle spell. Who that covers is therapists.staff's one rule (staff_standing)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from .staff import staff_standing

# What someone who needs a second factor but has none may still open: setting one up (which first
# asks for the password again), the recovery codes it produces, and logging out.
SECOND_FACTOR_SETUP_URLS = {
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_reauthenticate",
    "account_logout",
    "healthz",
}
LAST_SEEN_KEY = "staff_last_seen"
# Writing the session on every request would cost a write per page; a minute is precise
# enough for a half-hour limit.
LAST_SEEN_RESOLUTION_SECONDS = 60


class StaffSecurityMiddleware:
    """Holds every request of staff (therapists, admins) and of anyone else holding a sensitive
    permission (therapists.staff.SENSITIVE_PERMISSIONS, directly or through a group) to two rules:

    - no page opens until the account has an authenticator app set up: the person is
      sent to set one up, so a stolen password alone never reaches health data. allauth then
      asks for a code at every login of an account that has one;
    - a session idle for STAFF_IDLE_MINUTES ends, and the next request goes to the login page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            standing = staff_standing(request.user)
            if standing.needs_second_factor:
                if self._idle_too_long(request):
                    return self._log_out_idle(request)
                if not standing.has_second_factor and _url_name(request) not in SECOND_FACTOR_SETUP_URLS:
                    messages.info(
                        request,
                        "Staff accounts need a second step at login. Set up an authenticator app to continue.",
                    )
                    return _redirect(request, reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _idle_too_long(self, request) -> bool:
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
            return True
        if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
            request.session[LAST_SEEN_KEY] = now
        return False

    def _log_out_idle(self, request) -> HttpResponse:
        logout(request)
        messages.info(
            request,
            f"You were logged out after {settings.STAFF_IDLE_MINUTES} minutes without activity. Please log in again.",
        )
        next_url = request.get_full_path() if request.method == "GET" else "/"
        return _redirect(request, f"{reverse('account_login')}?{urlencode({'next': next_url})}")


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _redirect(request, url: str) -> HttpResponse:
    # htmx would swap the whole login page into a fragment; tell it to load the page instead.
    if getattr(request, "htmx", False):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    # Counting from the login itself spares the first page a session write.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())
