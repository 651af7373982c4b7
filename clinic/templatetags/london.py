"""London time in templates. A builtin of both template engines (settings.TEMPLATES), so every
page and email shows a slot's time the same way without loading anything."""

import datetime

from django import template

from clinic.london import clock_label

register = template.Library()


@register.filter
def clock(value: datetime.datetime | datetime.time | None) -> str:
    """``{{ slot.start|clock }}``: "14:30", or "01:30 BST" / "01:30 GMT" for an instant the
    clock shows twice when it goes back (clinic.london.clock_label). A bare wall-clock time (a
    working stretch's end) is just "14:30": it names no instant."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return clock_label(value)
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    return ""
