from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("therapists/<int:therapist_id>/slots/", views.therapist_slots, name="therapist_slots"),
    path("book/<int:session_type_id>/", views.book_slots, name="book_slots"),
    path("book/<int:session_type_id>/details/", views.book_details, name="book_details"),
    path("booking/<str:token>/", views.booking_manage, name="booking_manage"),
    path("booking/<str:token>/move/", views.booking_move, name="booking_move"),
    path("my-bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:booking_id>/complete/", views.session_complete, name="session_complete"),
    path("aftercare/feedback/<str:token>/", views.aftercare_feedback, name="aftercare_feedback"),
    path("aftercare/stop/<str:token>/", views.aftercare_stop, name="aftercare_stop"),
    path("aftercare/restart/", views.aftercare_restart, name="aftercare_restart"),
]
