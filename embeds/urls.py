from django.urls import path

from embeds import views

app_name = "embeds"

urlpatterns = [
    path("embed.js", views.embed_script, name="script"),
    path("embed/v1/styles.css", views.styles, name="styles"),
    path("embed/v1/section", views.section, name="section"),
    path("embed/v1/act", views.act, name="act"),
    path("embed/v1/sign-in", views.sign_in, name="sign-in"),
    path("embed/v1/sign-out", views.sign_out, name="sign-out"),
]
