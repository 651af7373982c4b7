"""The reports page: whole-clinic figures for staff with bookings.view_reports, a therapist's
own for a therapist; every table as CSV with the filters in the file name."""

import csv
import dataclasses

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from bookings.reports import figures, utilisation
from bookings.reports.chart import weekly_chart
from bookings.reports.forms import ReportFilterForm
from bookings.reports.period import Period, PeriodError, period_for
from therapists.models import Therapist

REPORTS_PERMISSION = "bookings.view_reports"


@dataclasses.dataclass(frozen=True)
class Figures:
    period: Period
    attendance: figures.Attendance
    clients: figures.Clients
    rebooking: figures.Rebooking
    fill_rate: figures.FillRate


def _figures(period: Period, therapist_id, session_type_id) -> Figures:
    return Figures(
        period=period,
        attendance=figures.attendance(period, therapist_id=therapist_id, session_type_id=session_type_id),
        clients=figures.clients(period, therapist_id=therapist_id, session_type_id=session_type_id),
        rebooking=figures.rebooking(period, therapist_id=therapist_id, session_type_id=session_type_id),
        fill_rate=figures.fill_rate(period, therapist_id=therapist_id),
    )


@never_cache
@login_required
def reports_page(request):
    everyone = request.user.has_perm(REPORTS_PERMISSION)
    own = Therapist.objects.filter(user=request.user).first()
    if not everyone and own is None:
        raise PermissionDenied
    therapists = list(Therapist.objects.order_by("display_name")) if everyone else [own]
    form = ReportFilterForm(request.GET or None, therapists=therapists, everyone=everyone)
    context = {"form": form, "everyone": everyone}
    if form.is_bound and not form.is_valid():
        return render(request, "bookings/reports/reports.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    try:
        period = period_for(
            data.get("period") or "last_month", timezone.localdate(), data.get("first"), data.get("last")
        )
    except PeriodError as error:
        form.add_error(None, error.message)
        return render(request, "bookings/reports/reports.html", context, status=400)
    therapist_id = data.get("therapist") if everyone else own.pk
    session_type = data.get("session_type")
    now = _figures(period, therapist_id, session_type.pk if session_type else None)
    before = _figures(period.before(), therapist_id, session_type.pk if session_type else None)
    shown = [t for t in therapists if therapist_id in (None, t.pk)]
    rows = utilisation.utilisation(period, shown)
    if request.GET.get("format") == "csv":
        return _csv(now, before, rows, therapist_id, session_type)
    context.update(
        now=now,
        before=before,
        rows=[(label, shown_as(read(now)), shown_as(read(before)), why) for label, read, why in SHOWN],
        utilisation=rows,
        csv_query=_with_csv(request),
        checks_ending=figures.registration_checks_ending(timezone.localdate()) if everyone else None,
        rooms=utilisation.room_utilisation(period) if everyone else [],
        outcomes=figures.outcomes(
            period, therapist_id=therapist_id, session_type_id=session_type.pk if session_type else None
        ),
        smallest_group=figures.SMALLEST_GROUP,
        chart=weekly_chart(
            period.first,
            period.last,
            figures.weekly(
                period, therapist_id=therapist_id, session_type_id=session_type.pk if session_type else None
            ),
        ),
    )
    return render(request, "bookings/reports/reports.html", context)


def _with_csv(request) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


def shown_as(value) -> str:
    """A figure as the page writes it: a rate as a percentage, "none" when it has no base."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def _csv(now: Figures, before: Figures, rows, therapist_id, session_type) -> HttpResponse:
    """The figures and the utilisation table, the filters in the file name."""
    name = f"clinic-report_{now.period.slug()}"
    name += f"_therapist-{therapist_id}" if therapist_id else ""
    name += f"_session-{session_type.pk}" if session_type else ""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    out = csv.writer(response)
    out.writerow(["figure", now.period.slug(), f"before: {before.period.slug()}"])
    for label, read in FIGURE_ROWS:
        out.writerow([label, read(now), read(before)])
    out.writerow([])
    out.writerow(["therapist", "booked minutes", "working minutes", "utilisation"])
    for row in rows:
        share = "" if row.share is None else f"{row.share:.3f}"
        out.writerow([row.therapist.display_name, row.booked_minutes, row.working_minutes, share])
    return response


FIGURE_ROWS = [
    ("attended", lambda f: f.attendance.attended),
    ("no-shows", lambda f: f.attendance.no_shows),
    ("late cancellations", lambda f: f.attendance.late_cancellations),
    ("free cancellations", lambda f: f.attendance.free_cancellations),
    ("revenue expected (GBP)", lambda f: f.attendance.revenue_expected),
    ("new clients", lambda f: f.clients.new),
    ("returning clients", lambda f: f.clients.returning),
    ("rebooked on the day", lambda f: f.rebooking.on_the_day),
    ("rebooked within 30 days", lambda f: f.rebooking.within_30_days),
    ("times given up", lambda f: f.fill_rate.freed),
    ("taken from the waitlist", lambda f: f.fill_rate.filled),
]


# Each figure on the page: its label, how to read it, and its definition (shown beside it).
SHOWN = [
    ("Attended", lambda f: f.attendance.attended, "Sessions marked attended."),
    ("No-shows", lambda f: f.attendance.no_shows, "Sessions the client did not come to."),
    ("No-show rate", lambda f: f.attendance.no_show_rate, "No-shows / (attended + no-shows)."),
    (
        "Late cancellations",
        lambda f: f.attendance.late_cancellations,
        "Cancelled by the client inside the free-cancellation period.",
    ),
    ("Free cancellations", lambda f: f.attendance.free_cancellations, "Cancelled in time, or by the clinic."),
    ("Late-cancel rate", lambda f: f.attendance.late_cancel_rate, "Late cancellations / every booking of the period."),
    ("Revenue expected (£)", lambda f: f.attendance.revenue_expected, "Attended sessions at their session's price."),
    ("New clients", lambda f: f.clients.new, "Clients whose first attended session ever is in the period."),
    ("Returning clients", lambda f: f.clients.returning, "Clients attended in the period who had attended before it."),
    (
        "Rebooked on the day",
        lambda f: f.rebooking.on_the_day_share,
        "Attended sessions whose client booked a later one by the end of that day.",
    ),
    (
        "Rebooked within 30 days",
        lambda f: f.rebooking.within_30_days_share,
        "Attended sessions whose client booked a later one within 30 days.",
    ),
    (
        "Times given up",
        lambda f: f.fill_rate.freed,
        "Booked times of the period cancelled, moved, or offered and passed on.",
    ),
    ("Waitlist fill rate", lambda f: f.fill_rate.share, "Times taken from the waitlist / times given up."),
]
