from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic admin"
# The admin's own login would skip the accounts' rate limits and second factor: send it to
# the one login page instead.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("bookings.urls")),
    path("diary/", include("bookings.diary.urls")),
    path("waitlist/", include("bookings.waitlist.urls")),
    path("reports/", include("bookings.reports.urls")),
    path("pay/", include("bookings.payments.urls")),
    path("therapists/", include("therapists.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("logo", views.clinic_logo, name="clinic_logo"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("cookies/", views.cookie_statement, name="cookies"),
]

handler500 = views.server_error
