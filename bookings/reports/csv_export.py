"""A report as CSV: every table of the page, one after another with a blank row between, the
period and any filter in the file name."""

import csv

from django.http import HttpResponse

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


def report_csv(report) -> HttpResponse:
    chosen = report.chosen
    name = f"clinic-report_{report.now.period.slug()}"
    for key, label in (("therapist_id", "therapist"), ("session_type_id", "session"), ("room_id", "room")):
        name += f"_{label}-{chosen[key]}" if chosen[key] else ""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    out = csv.writer(response)
    out.writerow(["figure", report.now.period.slug(), f"before: {report.before.period.slug()}"])
    for label, read in FIGURE_ROWS:
        out.writerow([label, read(report.now), read(report.before)])
    out.writerow([])
    out.writerow(["week beginning", "attended", "no-shows"])
    for week in report.weeks:
        out.writerow([week.first_day.isoformat(), week.attended, week.no_shows])
    out.writerow([])
    out.writerow(["therapist", "booked minutes", "working minutes", "utilisation"])
    for row in report.therapists:
        out.writerow([row.therapist.display_name, row.booked_minutes, row.working_minutes, _share(row.share)])
    if report.rooms:
        out.writerow([])
        out.writerow(["room", "used minutes", "open minutes", "utilisation"])
        for use in report.rooms:
            out.writerow([use.room.name, use.used_minutes, use.open_minutes or "", _share(use.share)])
    shown, left_out = report.outcomes
    out.writerow([])
    out.writerow(["session", "problem", "clients", "sessions", "improved", f"smaller groups not shown: {left_out}"])
    for group in shown:
        out.writerow([group.session, group.problem, group.clients, group.sessions, group.improved])
    return response


def _share(value) -> str:
    return "" if value is None else f"{value:.3f}"
