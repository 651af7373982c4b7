"""Responses that must never be kept by a browser's or a proxy's cache."""

from django.utils.cache import add_never_cache_headers


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
