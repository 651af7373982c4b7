"""Checks on a therapist's uploads by their content, never by their name or the browser's word."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from clinic.uploads import (
    IMAGE_FORMATS,
    MAX_IMAGE_PIXELS,
    TooManyPixels,
    content_type_for,
    image_format,
    megabytes,
    renamed,
    validate_image,
)

PHOTO_MAX_BYTES = 5 * 1024 * 1024
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
PHOTO_FORMATS = IMAGE_FORMATS

__all__ = ["content_type_for", "validate_certificate", "validate_photo"]


def validate_photo(upload: UploadedFile) -> UploadedFile:
    return validate_image(upload, what="photo", max_bytes=PHOTO_MAX_BYTES)


def validate_certificate(upload: UploadedFile) -> UploadedFile:
    if upload.size > CERTIFICATE_MAX_BYTES:
        raise ValidationError(f"The certificate is too big: the limit is {megabytes(CERTIFICATE_MAX_BYTES)}.")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return renamed(upload, ".pdf")
    try:
        found = image_format(upload)
    except TooManyPixels:
        raise ValidationError(
            f"The certificate has too many pixels: the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels. "
            "Please send a smaller scan or a PDF."
        ) from None
    if found in IMAGE_FORMATS:
        return renamed(upload, IMAGE_FORMATS[found])
    raise ValidationError("The certificate must be a PDF or a JPEG, PNG or WebP image.")
