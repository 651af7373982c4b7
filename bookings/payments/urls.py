from django.urls import path

from bookings.payments import staff, views, webhooks

urlpatterns = [
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("booking/<str:token>/", views.booking_pay, name="booking_pay"),
    path("my-bookings/<int:booking_id>/", views.my_booking_pay, name="my_booking_pay"),
    path("fees/<int:booking_id>/", staff.booking_fee, name="booking_fee"),
]
