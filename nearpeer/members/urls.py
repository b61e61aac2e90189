from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password-change"),
    path("profile/year/", views.year_request, name="year-request"),
    path("committee/year-requests/", views.year_request_list, name="year-request-list"),
    path(
        "committee/year-requests/<int:pk>/decide/",
        views.year_request_decide,
        name="year-request-decide",
    ),
    path("profile/my-data.json", views.data_export, name="data-export"),
    path("privacy/", views.privacy, name="privacy"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_done, name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password-reset-complete"),
    path("committee/members/", views.member_list, name="member-list"),
    path("committee/members/<int:pk>/roles/", views.member_roles, name="member-roles"),
    path("committee/members/<int:pk>/erase/", views.member_erase, name="member-erase"),
    path("committee/roster/", views.roster_import, name="roster-import"),
    path("committee/roster/confirm/", views.roster_confirm, name="roster-confirm"),
]
