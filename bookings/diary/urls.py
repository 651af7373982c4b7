from django.urls import path

from bookings.diary import views, walk_in

app_name = "diary"

urlpatterns = [
    path("", views.week, name="week_current"),
    path("week/<str:day>/", views.week, name="week"),
    path("day/<str:day>/", views.day_view, name="day"),
    path("hours/", views.hours, name="hours"),
    path("notes-to-write/", views.notes_missing, name="notes_missing"),
    path("time-off/", views.time_off, name="time_off"),
    path("time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
    path("bookings/<int:pk>/no-show/", views.booking_no_show, name="booking_no_show"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("clinic/", views.clinic_day, name="clinic_today"),
    path("clinic/book/", walk_in.walk_in, name="walk_in"),
    path("clinic/week/", views.clinic_week, name="clinic_week_current"),
    path("clinic/week/<str:day>/", views.clinic_week, name="clinic_week"),
    path("clinic/<str:day>/", views.clinic_day, name="clinic_day"),
    path("clinic/bookings/<int:pk>/room/", views.clinic_booking_room, name="clinic_booking_room"),
    path("feed/<str:token>.ics", views.calendar_feed, name="feed"),
]
