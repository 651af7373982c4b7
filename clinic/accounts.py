"""How django-allauth speaks for the clinic: the lockout messages name their wait, wrong
passwords are counted so that nobody can lock someone else out from afar, staff land on the
diary they work from, and a password given at login counts as recently given."""

import secrets
import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter

# The log of how this session authenticated (allauth keeps it internal; its reauthentication
# reads it the same way).
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context

# allauth keeps the usage it can roll back (after a right password) internal; its own
# adapter uses this module the same way.
from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from .selectors import clinic_get

ACCOUNT_APP = "allauth.account"


# Named, not imported: clinic/ sits below therapists/ and bookings/ (tests/clinic/test_layers.py).
CLINIC_DIARY_PERMISSION = "bookings.view_clinic_diary"


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a login without a ?next= lands (allauth honours ?next= before asking): a
        therapist on today in their own diary, other staff who may see the clinic diary on
        today's clinic day, clients on the home page as before."""
        user = request.user
        if hasattr(user, "therapist"):
            return reverse("diary:day", args=[timezone.localdate().isoformat()])
        if user.is_staff and user.has_perm(CLINIC_DIARY_PERMISSION):
            return reverse("diary:clinic_today")
        return super().get_login_redirect_url(request)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """allauth asks for the password again before setting up (or removing) an
        authenticator unless it was re-entered in the last ACCOUNT_REAUTHENTICATION_TIMEOUT
        seconds, but counts only a re-entry, not the login itself: staff made to set one up
        straight after logging in were asked for the password they had just typed. A login
        that recent proves the same thing, so it counts too."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        return request is None or not _authenticated_recently(request)

    @property
    def error_messages(self) -> dict:
        messages = dict(super().error_messages)
        wait = f"Please try again in {settings.LOGIN_LOCKOUT_MINUTES} minutes"
        # allauth says only "try again later"; someone locked out should know how long to wait.
        messages["too_many_password_attempts"] = f"Too many failed attempts to log in. {wait}, or reset your password."
        # With logins by password and links (no emailed codes) only the second factor's
        # code, or a recovery code, is refused with this one.
        messages["too_many_login_attempts"] = f"Too many wrong codes. {wait}."
        return messages

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Count a try at a password before it is checked; refuse it, counting nothing, once
        one limit is reached: this address from this network, this network, or this address
        from everywhere (settings.ACCOUNT_RATE_LIMITS). A right password takes its try back.
        The network is the client's (settings.TRUSTED_PROXY_COUNT), an IPv6 one its /64."""
        address = self._get_login_attempts_cache_key(request, **credentials)
        counts = (
            ("login_failed_here", f"{address}|{ratelimit.get_ip(request)}"),
            ("login_failed_network", None),
            ("login_failed_address", address),
        )
        used = ratelimit.RateLimitUsage(usage=[])
        for action, key in counts:
            usage = ratelimit.consume(request, app=ACCOUNT_APP, action=action, key=key)
            if usage is None:
                used.rollback()
                raise self.validation_error("too_many_password_attempts")
            used.usage.extend(usage.usage)
        self._login_failed_rl_usage = used

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # After a password reset (itself limited) the address starts afresh, as in allauth;
        # the network's count stays, so a reset cannot make room for guessing other accounts.
        address = self._get_login_attempts_cache_key(request, **credentials)
        ratelimit.clear(request, app=ACCOUNT_APP, action="login_failed_address", key=address)
        ratelimit.clear(
            request, app=ACCOUNT_APP, action="login_failed_here", key=f"{address}|{ratelimit.get_ip(request)}"
        )

    def respond_email_verification_sent(self, request: HttpRequest, user) -> HttpResponse:
        # With no user, someone signed up with an address that already has an account: allauth
        # emails its owner and answers as for a new one, but skips the one slow step a new
        # account takes (hashing the password), so the answer came seconds sooner and told a
        # stranger the address is a client's. Hashing a throwaway password costs the same.
        if user is None:
            make_password(secrets.token_urlsafe(16))
        return super().respond_email_verification_sent(request, user)

    def render_mail(self, template_prefix, email, context, headers=None):
        # allauth renders without our context processors when it has no request.
        return super().render_mail(template_prefix, email, {"clinic": clinic_get(), **context}, headers=headers)


def _authenticated_recently(request: HttpRequest) -> bool:
    """Whether this session's last password, code or second-factor step (at login or since)
    was within allauth's reauthentication timeout."""
    records = [
        record
        for record in get_authentication_records(request, request.user)
        if record.get("method") in account_settings.REAUTHENTICATION_METHODS
    ]
    return bool(records) and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
