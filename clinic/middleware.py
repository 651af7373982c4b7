"""Guards every request passes: caching of private pages, the size of a request's body, and
the dates an admin list is filtered by."""

from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, get_resolver
from django.utils.cache import add_never_cache_headers

from .admin_dates import admin_list_dates_refusal


class PrivatePagesNoStoreMiddleware:
    """Marks ``no-store`` every page shown to someone logged in, and every account page
    (password reset links, authenticator secrets, recovery codes), unless the view chose its
    own caching: on a shared computer the back button must not bring them back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        private = request.path.startswith("/accounts/") or (hasattr(request, "user") and request.user.is_authenticated)
        if private and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


def has_own_upload_limit(request) -> bool:
    """Whether the view the request is for takes a file under its own larger cap
    (``clinic.upload_limits.upload_limit`` marks it): that decorator refuses an oversized body
    itself, before reading it, with a page that names the file limit."""
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return False
    return hasattr(match.func, "request_body_max_bytes")


class RequestBodyCapMiddleware:
    """Refuses a request whose body is over the cap from its declared length alone (413), and
    one that streams a body without saying its length (411). Django reads a whole form into
    memory, and the CSRF check does so before any view: this runs before anything reads the
    body (no earlier middleware does, and every ``process_view`` comes after), so a 50 MB POST
    costs nothing but its headers. Nothing is written for a refused request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not declared and chunked:
            return self._refused(request, status=411)
        try:
            length = int(declared or 0)
        except ValueError:
            length = -1
        if length < 0:
            return self._refused(request, status=400)
        cap = settings.REQUEST_BODY_MAX_BYTES
        if length > cap and not has_own_upload_limit(request):
            return self._refused(request, status=413, cap=cap)
        return self.get_response(request)

    @staticmethod
    def _refused(request, *, status: int, cap: int | None = None):
        return render(request, "413.html", {"limit": cap, "status": status}, status=status)


class AdminDatesInRangeMiddleware:
    """Sends an admin list filtered by a date outside the clinic's days (``?start__year=9999``)
    back to the list without that filter, with a message (clinic.admin_dates). Every admin
    list, the packages' included, is covered: Django marks each with its ``model_admin``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is None or view_func.__name__ != "changelist_view":
            return None
        return admin_list_dates_refusal(request, model_admin)
