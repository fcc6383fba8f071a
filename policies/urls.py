from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("staff/models/", views.training, name="models"),
]
