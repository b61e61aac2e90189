from django.urls import path

from . import views

app_name = "teaching"
urlpatterns = [
    path("", views.home, name="home"),
    path("timetable/", views.timetable, name="timetable"),
    path("catch-up/", views.catch_up, name="catch-up"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("teach/", views.teacher_home, name="teacher-home"),
    path("committee/", views.dashboard, name="dashboard"),
]
