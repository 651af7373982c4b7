from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("therapists/<int:therapist_id>/slots/", views.therapist_slots, name="therapist_slots"),
]
