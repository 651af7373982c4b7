"""Checks on uploaded files by their content, never by their name or the browser's word."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

PHOTO_MAX_BYTES = 5 * 1024 * 1024
CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".pdf": "application/pdf"}


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _image_format(upload: UploadedFile) -> str | None:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            # verify() reads the whole file, so a truncated or doctored image is caught here.
            image.verify()
    except Exception:
        return None
    finally:
        upload.seek(0)
    return image_format


def _renamed(upload: UploadedFile, suffix: str) -> UploadedFile:
    # The stored name gets the suffix of what the file really is, whatever it was called.
    upload.name = f"upload{suffix}"
    return upload


def validate_photo(upload: UploadedFile) -> UploadedFile:
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(f"The photo is too big: the limit is {_megabytes(PHOTO_MAX_BYTES)}.")
    image_format = _image_format(upload)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError("The photo must be a JPEG, PNG or WebP image.")
    return _renamed(upload, PHOTO_FORMATS[image_format])


def validate_certificate(upload: UploadedFile) -> UploadedFile:
    if upload.size > CERTIFICATE_MAX_BYTES:
        raise ValidationError(f"The certificate is too big: the limit is {_megabytes(CERTIFICATE_MAX_BYTES)}.")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return _renamed(upload, ".pdf")
    image_format = _image_format(upload)
    if image_format in PHOTO_FORMATS:
        return _renamed(upload, PHOTO_FORMATS[image_format])
    raise ValidationError("The certificate must be a PDF or a JPEG, PNG or WebP image.")


def content_type_for(name: str) -> str:
    for suffix, content_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/octet-stream"
