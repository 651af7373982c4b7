from django.urls import path

from . import views

app_name = "therapists"

urlpatterns = [
    path("", views.therapist_list, name="list"),
    path("<int:pk>/", views.therapist_detail, name="detail"),
    path("<int:pk>/photo", views.therapist_photo, name="photo"),
    path("<int:pk>/certificate", views.therapist_certificate, name="certificate"),
    path("me/", views.my_registration, name="me"),
    path("me/profile/", views.my_profile, name="profile"),
    path("me/registration/", views.my_registration_edit, name="registration"),
    path("checks/", views.check_queue, name="checks"),
    path("checks/<int:pk>/", views.check_detail, name="check"),
]
