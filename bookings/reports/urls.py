from django.urls import path

from bookings.reports import views

urlpatterns = [path("", views.reports_page, name="reports")]
