from django.urls import path

from lab import views

app_name = "lab"

urlpatterns = [
    path("staff/simulations/", views.simulation_list, name="simulations"),
    path("staff/simulations/<int:pk>/", views.simulation_detail, name="simulation"),
    path("staff/lab/", views.policy_lab, name="lab"),
    path("staff/lab/<int:pk>/", views.lab_run, name="lab_run"),
]
