from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_create, name="post"),
    path("comments/<int:pk>/report/", views.comment_report_view, name="report"),
    path("comments/faq/", views.faq, name="faq"),
]
