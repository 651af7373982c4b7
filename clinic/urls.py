from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic admin"

urlpatterns = [
    path("", include("bookings.urls")),
    path("diary/", include("bookings.diary.urls")),
    path("therapists/", include("therapists.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

handler500 = views.server_error
