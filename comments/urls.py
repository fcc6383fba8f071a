from django.urls import path

from . import staff_views, views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_create, name="post"),
    path("articles/<slug:slug>/comments/forget-me/", views.forget_commenter, name="forget"),
    path("comments/<int:pk>/report/", views.comment_report_view, name="report"),
    path("comments/faq/", views.faq, name="faq"),
    path("comments/confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("staff/simulations/", staff_views.simulation_list, name="simulations"),
    path("staff/simulations/<int:pk>/", staff_views.simulation_detail, name="simulation"),
    path("staff/training/", staff_views.training, name="training"),
    path("staff/quality/", staff_views.quality, name="quality"),
    path("staff/staffing/", staff_views.staffing, name="staffing"),
    path("staff/lab/", staff_views.policy_lab, name="lab"),
    path("staff/lab/<int:pk>/", staff_views.lab_run, name="lab_run"),
]
