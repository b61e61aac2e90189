from django.urls import path

from . import views

app_name = "tutorials"
urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/new/", views.programme_create, name="programme-create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("programmes/<int:pk>/sign-up/", views.signup_edit, name="signup-edit"),
    path("programmes/<int:pk>/allocation/", views.allocation_review, name="allocation-review"),
    path(
        "programmes/<int:pk>/allocation/status/",
        views.allocation_status,
        name="allocation-status",
    ),
    path("programmes/<int:pk>/allocation/run/", views.allocation_run, name="allocation-run"),
    path("programmes/<int:pk>/allocation/move/", views.allocation_move, name="allocation-move"),
    path("programmes/<int:pk>/publish/", views.programme_publish, name="programme-publish"),
    path("sign-ups/<int:pk>/", views.signup_detail, name="signup-detail"),
    path("groups/<int:pk>/", views.group_detail, name="group-detail"),
    path("groups/<int:pk>/pin/", views.group_pin, name="group-pin"),
    path("mentoring/new/", views.scheme_create, name="scheme-create"),
    path("mentoring/<int:pk>/", views.scheme_detail, name="scheme-detail"),
    path("mentoring/<int:pk>/review/", views.scheme_review, name="scheme-review"),
    path("mentoring/<int:pk>/run/", views.scheme_run, name="scheme-run"),
    path("mentoring/<int:pk>/publish/", views.scheme_publish, name="scheme-publish"),
]
