from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from therapists.models import Therapist

from .forms import SlotSearchForm
from .selectors import available_slots, session_type_list_active


def home(request):
    return render(request, "bookings/home.html", {"session_types": session_type_list_active()})


def therapist_slots(request, therapist_id: int):
    """A bookable therapist's free start times for one session type on one day."""
    today = timezone.localdate()
    therapist = get_object_or_404(Therapist.objects.bookable(on=today), pk=therapist_id)
    session_types = list(session_type_list_active())
    query = request.GET.copy()
    query.setdefault("date", today.isoformat())
    if session_types:
        query.setdefault("session_type", str(session_types[0].pk))
    form = SlotSearchForm(query, today=today, session_types=session_types)
    context = {"therapist": therapist, "form": form, "today": today}
    if form.is_valid():
        day = form.cleaned_data["date"]
        context.update(
            day=day,
            session_type=form.cleaned_data["session_type"],
            slots=available_slots(
                therapist_id=therapist.pk,
                session_type=form.cleaned_data["session_type"],
                date_from=day,
                date_to=day,
                now=timezone.now(),
            ),
        )
    return render(request, "bookings/therapist_slots.html", context)
