"""Cleaning of the free text and choices therapists and admins type, shared by the profile and
registration workflows so both refuse bad input with the same messages."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError


def clean_text(value: str, *, field: str, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Enter the {label}."})
    if len(value) > max_length:
        raise ValidationError({field: f"The {label} must be at most {max_length} characters."})
    return value


def clean_choices(values: Iterable[str], *, allowed: list[str], field: str) -> list[str]:
    values = list(dict.fromkeys(values))
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationError({field: "Choose from the list."})
    return values
