from django.urls import path

from bookings.waitlist import offer_page, staff, views

urlpatterns = [
    path("join/", views.waitlist_join, name="waitlist_join"),
    path("earlier/<int:booking_id>/", views.waitlist_join_earlier, name="waitlist_join_earlier"),
    path("<int:entry_id>/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("offer/<str:token>/", offer_page.waitlist_offer, name="waitlist_offer"),
    path("day/<str:day>/", staff.waitlist_day_page, name="waitlist_day"),
    path("place/<str:token>/", views.waitlist_place, name="waitlist_place"),
]
