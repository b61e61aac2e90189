from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("privacy/", views.privacy, name="privacy"),
]
