from django.urls import path

from .views import aftercare, book, manage, my_data, staff

urlpatterns = [
    path("", book.home, name="home"),
    path("therapists/<int:therapist_id>/slots/", book.therapist_slots, name="therapist_slots"),
    path("book/<int:session_type_id>/", book.book_slots, name="book_slots"),
    path("book/<int:session_type_id>/details/", book.book_details, name="book_details"),
    path("booking/<str:token>/", manage.booking_manage, name="booking_manage"),
    path("booking/<str:token>/move/", manage.booking_move, name="booking_move"),
    path("my-bookings/", manage.my_bookings, name="my_bookings"),
    path("my-data/", my_data.my_data_page, name="my_data"),
    path("my-data/download/", my_data.my_data_download, name="my_data_download"),
    path("my-data/erase/", my_data.my_data_erase, name="my_data_erase"),
    path("bookings/<int:booking_id>/", staff.booking_detail, name="booking_detail"),
    path("bookings/<int:booking_id>/complete/", staff.session_complete, name="session_complete"),
    path("aftercare/feedback/<str:token>/", aftercare.aftercare_feedback, name="aftercare_feedback"),
    path("aftercare/stop/<str:token>/", aftercare.aftercare_stop, name="aftercare_stop"),
    path("aftercare/restart/", aftercare.aftercare_restart, name="aftercare_restart"),
]
