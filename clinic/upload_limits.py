"""Refusing an upload that is too big before the server has read it in full.

Django reads a whole multipart body (to disk) before a form sees it, and the CSRF check reads
it even earlier. ``upload_limit`` runs first: it refuses a body whose declared length is over
the limit without reading it, and stops one that turns out longer as it streams in.
"""

from functools import wraps

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .uploads import megabytes

# Room for the form's other fields around the file itself.
FORM_FIELDS_ALLOWANCE = 256 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the body; past the limit it stops the upload and
    marks the request, keeping nothing of it."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_big = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limit(max_file_bytes: int):
    """For a view taking one uploaded file of at most ``max_file_bytes``. A refused upload
    answers 413 with a page that says the limit; the view never runs, nothing is saved."""

    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt  # the CSRF check runs inside, once the limit is in place
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    declared = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    declared = 0
                if declared > max_file_bytes + FORM_FIELDS_ALLOWANCE:
                    return _refused(request, max_file_bytes)
                request.upload_handlers.insert(0, LimitedUploadHandler(request, max_file_bytes))
                request.FILES  # noqa: B018 - parse now, under the limit
                if getattr(request, "upload_too_big", False):
                    return _refused(request, max_file_bytes)
            return protected(request, *args, **kwargs)

        # Marks the view for clinic.middleware.RequestBodyCapMiddleware, whose cap for every
        # other view is smaller (REQUEST_BODY_MAX_BYTES): it leaves this view's body to the
        # check above. functools.wraps carries the mark through outer decorators.
        wrapper.request_body_max_bytes = max_file_bytes + FORM_FIELDS_ALLOWANCE
        return wrapper

    return decorator


def _refused(request, max_file_bytes: int):
    return render(request, "upload_too_big.html", {"limit": megabytes(max_file_bytes)}, status=413)
