from django.urls import path

from . import views

app_name = "osce"
urlpatterns = [
    path("", views.home, name="home"),
    path("stations/new/", views.station_create, name="station-create"),
    path("stations/<int:pk>/", views.station_detail, name="station-detail"),
    path("stations/<int:pk>/image/", views.station_image, name="station-image"),
    path("stations/<int:pk>/submit/", views.station_submit, name="station-submit"),
    path("stations/<int:pk>/review/", views.station_review, name="station-review"),
    path("stations/<int:pk>/endorse/", views.station_endorse, name="station-endorse"),
    path("stations/<int:pk>/publish/", views.station_publish, name="station-publish"),
    path("stations/<int:pk>/new-version/", views.station_version, name="station-version"),
    path("stations/<int:pk>/remix/", views.station_remix, name="station-remix"),
    path("practice/new/", views.practice_create, name="practice-create"),
    path("practice/<int:pk>/", views.practice_detail, name="practice-detail"),
    path("practice/<int:pk>/state/", views.practice_state, name="practice-state"),
    path("practice/<int:pk>/start/", views.practice_start, name="practice-start"),
    path("practice/<int:pk>/mark/", views.practice_mark, name="practice-mark"),
    path("practice/<int:pk>/rotate/", views.practice_rotate, name="practice-rotate"),
    path("mocks/new/", views.mock_create, name="mock-create"),
    path("mocks/<int:pk>/", views.mock_detail, name="mock-detail"),
    path("mocks/<int:pk>/build/", views.mock_build, name="mock-build"),
    path("mocks/<int:pk>/start/", views.mock_start, name="mock-start"),
    path("mocks/<int:pk>/release/", views.mock_release, name="mock-release"),
    path("mocks/<int:pk>/timetable.<str:fmt>", views.mock_export, name="mock-export"),
    path("mocks/<int:pk>/clock/", views.mock_clock, name="mock-clock"),
    path("mocks/<int:pk>/clock/state/", views.mock_clock_state, name="mock-clock-state"),
    path("mocks/<int:pk>/examine/", views.mock_examine, name="mock-examine"),
    path(
        "mocks/<int:pk>/mark/<int:station_pk>/<int:candidate_pk>/",
        views.mock_mark,
        name="mock-mark",
    ),
    path("mocks/<int:pk>/results/", views.mock_results, name="mock-results"),
    path("mocks/<int:pk>/mine/", views.mock_mine, name="mock-mine"),
]
