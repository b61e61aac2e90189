"""A URLconf mounting the project under /elsewhere/ (test_reversed_once)."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("nearpeer.urls"))]
