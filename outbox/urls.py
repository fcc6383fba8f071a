from django.urls import path

from outbox import views

app_name = "outbox"

urlpatterns = [
    path("comments/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
