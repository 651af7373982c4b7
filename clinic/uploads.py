"""Checks on uploaded files by their content, never by their name or the browser's word."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".pdf": "application/pdf"}
LOGO_MAX_BYTES = 2 * 1024 * 1024


def megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def image_format(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            found = image.format
            # verify() reads the whole file, so a truncated or doctored image is caught here.
            image.verify()
    except Exception:
        return None
    finally:
        upload.seek(0)
    return found


def renamed(upload: UploadedFile, suffix: str) -> UploadedFile:
    # The stored name gets the suffix of what the file really is, whatever it was called.
    upload.name = f"upload{suffix}"
    return upload


def validate_image(upload: UploadedFile, *, what: str, max_bytes: int) -> UploadedFile:
    if upload.size > max_bytes:
        raise ValidationError(f"The {what} is too big: the limit is {megabytes(max_bytes)}.")
    found = image_format(upload)
    if found not in IMAGE_FORMATS:
        raise ValidationError(f"The {what} must be a JPEG, PNG or WebP image.")
    return renamed(upload, IMAGE_FORMATS[found])


def validate_logo(upload: UploadedFile) -> UploadedFile:
    return validate_image(upload, what="logo", max_bytes=LOGO_MAX_BYTES)


def content_type_for(name: str) -> str:
    for suffix, content_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/octet-stream"
