from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_create, name="post"),
    path("articles/<slug:slug>/comments/forget-me/", views.forget_commenter, name="forget"),
    path("articles/<slug:slug>/comments/ignore/", views.ignore_commenter_view, name="ignore"),
    path("articles/<slug:slug>/comments/unignore/", views.stop_ignoring_view, name="unignore"),
    path("comments/<int:pk>/report/", views.comment_report_view, name="report"),
    path("comments/<int:pk>/react/", views.react_view, name="react"),
    path("comments/faq/", views.faq, name="faq"),
    path("comments/confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("comments/appeal/<str:token>/", views.appeal_view, name="appeal"),
]
