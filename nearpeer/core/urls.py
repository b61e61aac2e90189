from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers and crawlers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon, name="favicon"),
    # iOS asks for these at the root when a page is added to the home screen.
    path("apple-touch-icon.png", views.apple_touch_icon, name="apple-touch-icon"),
    path(
        "apple-touch-icon-precomposed.png",
        views.apple_touch_icon,
        name="apple-touch-icon-precomposed",
    ),
    path("help/", views.help_page, name="help"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/download/", views.job_output, name="job-output"),
]
