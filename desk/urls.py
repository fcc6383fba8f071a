from django.urls import path

from desk import views

app_name = "desk"

urlpatterns = [
    path("staff/training/", views.training, name="training"),
    path("staff/quality/", views.quality, name="quality"),
    path("staff/staffing/", views.staffing, name="staffing"),
]
