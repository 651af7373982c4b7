"""Checks on uploaded files by their content, never by their name or the browser's word."""

import warnings

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".pdf": "application/pdf"}
LOGO_MAX_BYTES = 2 * 1024 * 1024
# A photo or a scan needs no more than this; a small file that claims far more pixels is a
# decompression bomb (a 17 KB PNG can unpack to gigabytes).
MAX_IMAGE_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class TooManyPixels(Exception):
    pass


def megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def image_format(upload: UploadedFile) -> str | None:
    """The image's real format, or None if it is not a whole image. Raises TooManyPixels for
    an image larger than MAX_IMAGE_PIXELS, judged from its header before anything unpacks."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:  # reads the header only
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise TooManyPixels()
                found = image.format
                # verify() reads the whole file, so a truncated or doctored image is caught here.
                image.verify()
    except (TooManyPixels, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise TooManyPixels() from None
    except Exception:
        return None
    finally:
        upload.seek(0)
    return found


def _too_many_pixels(what: str) -> ValidationError:
    return ValidationError(
        f"The {what} has too many pixels: the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels. "
        "Please send a smaller image."
    )


def renamed(upload: UploadedFile, suffix: str) -> UploadedFile:
    # The stored name gets the suffix of what the file really is, whatever it was called.
    upload.name = f"upload{suffix}"
    return upload


def validate_image(upload: UploadedFile, *, what: str, max_bytes: int) -> UploadedFile:
    if upload.size > max_bytes:
        raise ValidationError(f"The {what} is too big: the limit is {megabytes(max_bytes)}.")
    try:
        found = image_format(upload)
    except TooManyPixels:
        raise _too_many_pixels(what) from None
    if found not in IMAGE_FORMATS:
        raise ValidationError(f"The {what} must be a JPEG, PNG or WebP image.")
    return renamed(upload, IMAGE_FORMATS[found])


def validate_document(upload: UploadedFile, *, what: str, max_bytes: int) -> UploadedFile:
    """A scan or a photo of a paper (a registration certificate, a doctor's letter): a PDF, or a
    JPEG, PNG or WebP image, judged by its content; not too big, not a pixel bomb."""
    if upload.size > max_bytes:
        raise ValidationError(f"The {what} is too big: the limit is {megabytes(max_bytes)}.")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return renamed(upload, ".pdf")
    try:
        found = image_format(upload)
    except TooManyPixels:
        raise ValidationError(
            f"The {what} has too many pixels: the limit is {MAX_IMAGE_PIXELS // 1_000_000} megapixels. "
            "Please send a smaller scan or a PDF."
        ) from None
    if found in IMAGE_FORMATS:
        return renamed(upload, IMAGE_FORMATS[found])
    raise ValidationError(f"The {what} must be a PDF or a JPEG, PNG or WebP image.")


def validate_logo(upload: UploadedFile) -> UploadedFile:
    return validate_image(upload, what="logo", max_bytes=LOGO_MAX_BYTES)


def content_type_for(name: str) -> str:
    for suffix, content_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/octet-stream"
