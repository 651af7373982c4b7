from django.urls import path

from bookings.privacy import views as privacy_views
from bookings.views import aftercare, book, booking_calendar, manage, marketing, staff

urlpatterns = [
    path("", book.home, name="home"),
    path("therapists/<int:therapist_id>/slots/", book.therapist_slots, name="therapist_slots"),
    path("book/<int:session_type_id>/", book.book_slots, name="book_slots"),
    path("book/<int:session_type_id>/details/", book.book_details, name="book_details"),
    path("booking/<str:token>/", manage.booking_manage, name="booking_manage"),
    path("booking/<str:token>/move/", manage.booking_move, name="booking_move"),
    path("booking/<str:token>/booking.ics", booking_calendar.booking_ics, name="booking_ics"),
    path("my-bookings/", manage.my_bookings, name="my_bookings"),
    path("my-bookings/<int:booking_id>/", manage.my_booking_manage, name="my_booking_manage"),
    path("my-bookings/<int:booking_id>/move/", manage.my_booking_move, name="my_booking_move"),
    path("my-bookings/<int:booking_id>/booking.ics", booking_calendar.my_booking_ics, name="my_booking_ics"),
    path("my-bookings/<int:booking_id>/aftercare/", aftercare.my_aftercare, name="my_aftercare"),
    path("my-data/", privacy_views.my_data_page, name="my_data"),
    path("my-data/download/", privacy_views.my_data_download, name="my_data_download"),
    path("my-data/erase/", privacy_views.my_data_erase, name="my_data_erase"),
    path("my-data/health-consent/withdraw/", privacy_views.my_data_withdraw_consent, name="my_data_withdraw_consent"),
    path(
        "my-bookings/<int:booking_id>/health-consent/",
        manage.my_booking_consent_again,
        name="my_booking_consent_again",
    ),
    path("bookings/<int:booking_id>/", staff.booking_detail, name="booking_detail"),
    path("bookings/<int:booking_id>/complete/", staff.session_complete, name="session_complete"),
    path("bookings/<int:booking_id>/doctors-letter/", staff.doctor_letter_copy, name="doctor_letter_copy"),
    path("bookings/<int:booking_id>/held/", staff.held_booking_open, name="held_booking_open"),
    path("bookings/<int:booking_id>/record/", staff.booking_client_record, name="booking_client_record"),
    path("bookings/<int:booking_id>/notes/amend/", staff.session_note_amend, name="session_note_amend"),
    path("aftercare/stop/<str:token>/", aftercare.aftercare_stop, name="aftercare_stop"),
    path("aftercare/restart/", aftercare.aftercare_restart, name="aftercare_restart"),
    path("aftercare/<str:token>/", aftercare.aftercare_page, name="aftercare_page"),
    path("unsubscribe/<str:token>/", marketing.marketing_unsubscribe, name="marketing_unsubscribe"),
]
