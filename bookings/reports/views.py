"""The reports page: whole-clinic figures for staff with bookings.view_reports, a therapist's
own for a therapist; every table as CSV with the filters in the file name."""

import dataclasses

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from bookings.reports import figures, utilisation
from bookings.reports.chart import share_chart, weekly_chart
from bookings.reports.csv_export import report_csv
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


def _figures(period: Period, chosen: dict) -> Figures:
    return Figures(
        period=period,
        attendance=figures.attendance(period, **chosen),
        clients=figures.clients(period, **chosen),
        rebooking=figures.rebooking(period, **chosen),
        fill_rate=figures.fill_rate(period, therapist_id=chosen["therapist_id"]),
    )


@dataclasses.dataclass(frozen=True)
class Report:
    """Every table of the page (and of its CSV)."""

    now: Figures
    before: Figures
    weeks: list
    therapists: list
    rooms: list
    outcomes: tuple
    chosen: dict


def _report(period: Period, chosen: dict, therapists: list, everyone: bool) -> Report:
    weeks = figures.weekly(period, **chosen)
    return Report(
        now=_figures(period, chosen),
        before=_figures(period.before(), chosen),
        weeks=weeks,
        therapists=utilisation.utilisation(period, [t for t in therapists if chosen["therapist_id"] in (None, t.pk)]),
        rooms=[
            use
            for use in (utilisation.room_utilisation(period) if everyone else [])
            if chosen["room_id"] in (None, use.room.pk)
        ],
        outcomes=figures.outcomes(period, **chosen),
        chosen=chosen,
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
    chosen = {
        "therapist_id": data.get("therapist") if everyone else own.pk,
        "session_type_id": data["session_type"].pk if data.get("session_type") else None,
        "room_id": data["room"].pk if data.get("room") else None,
    }
    report = _report(period, chosen, therapists, everyone)
    if request.GET.get("format") == "csv":
        return report_csv(report)
    context.update(
        now=report.now,
        before=report.before,
        rows=[(label, shown_as(read(report.now)), shown_as(read(report.before)), why) for label, read, why in SHOWN],
        utilisation=report.therapists,
        rooms=report.rooms,
        outcomes=report.outcomes,
        smallest_group=figures.SMALLEST_GROUP,
        chart=weekly_chart(period.first, period.last, report.weeks),
        utilisation_chart=share_chart([(row.therapist.display_name, row.share) for row in report.therapists]),
        csv_query=_with_csv(request),
        checks_ending=figures.registration_checks_ending(timezone.localdate()) if everyone else None,
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
