from django.shortcuts import render

from .selectors import session_type_list_active


def home(request):
    return render(request, "bookings/home.html", {"session_types": session_type_list_active()})
