"""The app's URLs plus /bench/bare, for bench_slots.py."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), path("", include("clinic.urls"))]
