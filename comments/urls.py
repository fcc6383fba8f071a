from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_create, name="post"),
    path("articles/<slug:slug>/comments/forget-me/", views.forget_commenter, name="forget"),
    path("comments/<int:pk>/report/", views.comment_report_view, name="report"),
    path("comments/faq/", views.faq, name="faq"),
    path("comments/confirm/<str:token>/", views.confirm_view, name="confirm"),
]
