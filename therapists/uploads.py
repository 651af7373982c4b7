"""Checks on a therapist's uploads by their content, never by their name or the browser's word."""

from django.core.files.uploadedfile import UploadedFile

from clinic.uploads import IMAGE_FORMATS, content_type_for, validate_document, validate_image

PHOTO_MAX_BYTES = 5 * 1024 * 1024
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
PHOTO_FORMATS = IMAGE_FORMATS

__all__ = ["content_type_for", "validate_certificate", "validate_photo"]


def validate_photo(upload: UploadedFile) -> UploadedFile:
    return validate_image(upload, what="photo", max_bytes=PHOTO_MAX_BYTES)


def validate_certificate(upload: UploadedFile) -> UploadedFile:
    return validate_document(upload, what="certificate", max_bytes=CERTIFICATE_MAX_BYTES)
