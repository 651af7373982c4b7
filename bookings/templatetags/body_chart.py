"""Drawing the body chart (bookings.clinical.body_chart): as a form field, a figure whose regions
mirror the checkboxes listed under it, and read-only, on the record and the booking page."""

from django import template

from bookings.clinical import body_chart

register = template.Library()


@register.inclusion_tag("bookings/_body_chart_input.html")
def body_chart_input(field):
    """A BodyChartWidget field: the figure (made clickable by static/js/body-chart.js) and the
    same regions as checkboxes, grouped by view, which work on their own without JavaScript."""
    chosen = set(field.value() or ())
    marks = field.field.widget.marks
    views = body_chart.figure(**{marks: chosen})
    return {
        "field": field,
        "marks": marks,
        "views": views,
        "chosen_codes": chosen,
        # An earlier note's regions since split: listed as they were, ticked, so an amendment
        # changes them only when the therapist does.
        "retired_chosen": [
            body_chart.RETIRED[code] for code in body_chart.in_chart_order(chosen) if code in body_chart.RETIRED
        ],
        "chosen": body_chart.labels(body_chart.in_chart_order(chosen)),
    }


@register.inclusion_tag("bookings/_body_chart_figure.html")
def body_chart_figure(note, caption: str = ""):
    """The areas a session note says were worked and are to be avoided, drawn and listed."""
    return {
        "views": body_chart.figure(worked=note.areas_worked, avoid=note.areas_to_avoid),
        "worked": body_chart.labels(note.areas_worked),
        "avoid": body_chart.labels(note.areas_to_avoid),
        "caption": caption,
    }
