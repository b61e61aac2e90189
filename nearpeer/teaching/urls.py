from django.urls import path

from . import views

app_name = "teaching"
urlpatterns = [
    path("", views.home, name="home"),
    path("timetable/", views.timetable, name="timetable"),
    path("catch-up/", views.catch_up, name="catch-up"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/register/", views.session_register, name="session-register"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration-cancel"),
    path("check-in/", views.checkin_create, name="checkin-create"),
    path("materials/<int:pk>/", views.material_open, name="material-open"),
    path("calendar/", views.calendar_detail, name="calendar-detail"),
    path("calendar/renew/", views.calendar_renew, name="calendar-renew"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    path("calendar/<str:token>.ics", views.calendar_member_feed, name="calendar-member-feed"),
    path(
        "calendar/series/<str:token>.ics",
        views.calendar_series_feed,
        name="calendar-series-feed",
    ),
    path("teach/", views.teacher_home, name="teacher-home"),
    path("teach/sessions/<int:pk>/register/", views.attendance_list, name="attendance-list"),
    path("teach/sessions/<int:pk>/attendance/", views.attendance_mark, name="attendance-mark"),
    path("teach/sessions/<int:pk>/check-in/", views.checkin_display, name="checkin-display"),
    path("teach/sessions/<int:pk>/materials/new/", views.material_create, name="material-create"),
    path("teach/materials/<int:pk>/delete/", views.material_delete, name="material-delete"),
    path("committee/", views.dashboard, name="dashboard"),
    path("committee/sessions/new/", views.session_create, name="session-create"),
    path("committee/sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("committee/sessions/<int:pk>/cancel/", views.session_cancel, name="session-cancel"),
    path("committee/series/new/", views.series_create, name="series-create"),
    path("committee/series/<int:pk>/edit/", views.series_edit, name="series-edit"),
    path("committee/series/<int:pk>/cancel/", views.series_cancel, name="series-cancel"),
    path(
        "committee/series-cancellations/<int:pk>/undo/",
        views.series_cancel_undo,
        name="series-cancel-undo",
    ),
    path("committee/series/<int:pk>/schedule/", views.series_schedule, name="series-schedule"),
]
