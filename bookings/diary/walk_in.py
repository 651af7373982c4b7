"""Booking a client in from the diary: a free gap on the clinic grid (or a therapist's own) opens
this page at that therapist, day and time. Staff choose the session (and may change the
therapist, day and time), find the client by name, email or phone or leave them new, and pick a
time; the time opens the booking form (bookings.views.book.book_details) on the client's behalf,
with the room to confirm or change and the health questions to read out.

Staff are not held to the online minimum notice: a walk-in can be seen in ten minutes. Every
other rule is the same as a client's (hours, time off, other bookings, rooms, registration), and
the booking service checks them all again when the form is sent."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from bookings.slots.selectors import available_slots, last_bookable_day, session_type_list_active
from bookings.views.book_on_behalf import client_copied, clients_found
from clinic.london import LONDON
from clinic.models import SessionType
from therapists.models import Therapist
from therapists.staff import is_staff_member


class WalkInForm(forms.Form):
    """Who, what and when (GET, so every choice is a link that can be shared or sent again)."""

    therapist = forms.ModelChoiceField(queryset=Therapist.objects.none(), label="Therapist", empty_label=None)
    session_type = forms.ModelChoiceField(
        queryset=SessionType.objects.none(),
        label="Session",
        empty_label="Choose a session",
        error_messages={"required": "Choose the session the client would like."},
    )
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    start_from = forms.TimeField(required=False, widget=forms.HiddenInput)
    find = forms.CharField(
        label="Find the client",
        required=False,
        max_length=100,
        help_text="Part of their name or email, or their phone number. Leave empty for a new client.",
    )
    client = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, therapists, today: datetime.date, last_day: datetime.date):
        super().__init__(data)
        self.today, self.last_day = today, last_day
        self.fields["therapist"].queryset = therapists
        self.fields["session_type"].queryset = session_type_list_active()
        self.fields["date"].widget.attrs.update(min=today.isoformat(), max=last_day.isoformat())

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        if day < self.today:
            raise forms.ValidationError("That day has passed. Choose today or a later day.")
        if day > self.last_day:
            raise forms.ValidationError(f"Bookings can be made up to {self.last_day:%-d %B %Y}.")
        return day


@never_cache
@login_required
def walk_in(request):
    """Staff only: reception (the clinic diary permission) for any therapist, a therapist for
    themselves."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    reception = request.user.has_perm("bookings.view_clinic_diary")
    now = timezone.now()
    today = timezone.localdate(now, timezone=LONDON)
    therapists = Therapist.objects.bookable(on=today).order_by("display_name", "pk")
    if not reception:
        therapists = therapists.filter(user=request.user)
    query = request.GET.copy()
    query.setdefault("date", today.isoformat())
    if "therapist" not in query and (first := therapists.first()) is not None:
        query["therapist"] = str(first.pk)
    form = WalkInForm(query, therapists=therapists, today=today, last_day=last_bookable_day(now=now))
    # Opened from the grid, no session is chosen yet: that is a question, not a mistake.
    context = {"form": form, "today": today, "asked": "session_type" in request.GET}
    form.is_valid()
    data = form.cleaned_data
    if words := data.get("find"):
        context["clients"] = clients_found(user=request.user, words=words)
    context["client"] = client_copied(user=request.user, booking_id=data.get("client"))
    if {"therapist", "session_type", "date"} <= data.keys():
        context.update(_times(data, now))
    return render(request, "bookings/diary/walk_in.html", context)


def _times(data: dict, now: datetime.datetime) -> dict:
    """The free times for the chosen session with the chosen therapist that day, from the gap's
    start when the grid gave one, each with its link to the booking form."""
    therapist, session_type, day = data["therapist"], data["session_type"], data["date"]
    if not therapist.session_types.filter(pk=session_type.pk).exists():
        return {"not_offered": True}
    slots = available_slots(
        therapist_id=therapist.pk, session_type=session_type, date_from=day, date_to=day, now=now, notice=False
    )
    start_from = data.get("start_from")
    earlier = 0
    if start_from is not None:
        later = [s for s in slots if timezone.localtime(s.start, LONDON).time() >= start_from]
        earlier, slots = len(slots) - len(later), later
    client = data.get("client") or ""
    times = [
        (
            timezone.localtime(slot.start, LONDON),
            urlencode(
                # The room is chosen on the form, where the first free one is suggested.
                {"therapist": therapist.pk, "start": slot.start.isoformat()}
                | ({"client": client} if client.isdigit() else {})
            ),
        )
        for slot in slots
    ]
    return {"times": times, "earlier": earlier, "therapist": therapist, "session_type": session_type, "day": day}
