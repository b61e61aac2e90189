from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers and crawlers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon, name="favicon"),
    path("help/", views.help_page, name="help"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/download/", views.job_output, name="job-output"),
]
