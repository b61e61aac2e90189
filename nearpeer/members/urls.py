from django.urls import path

from . import oidc, views

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

# Ways in: invitations, requests for access, university sign-in (OpenID Connect).
urlpatterns += [
    path("welcome/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("committee/members/<int:pk>/invite/", views.member_invite, name="member-invite"),
    path("request-access/", views.access_request_create, name="access-request-create"),
    path("request-access/sent/", views.access_request_sent, name="access-request-sent"),
    path("committee/access-requests/", views.access_request_list, name="access-request-list"),
    path(
        "committee/access-requests/<int:pk>/",
        views.access_request_decide,
        name="access-request-decide",
    ),
    path("university/sign-in/", oidc.university_sign_in, name="oidc-sign-in"),
    path("university/callback/", oidc.university_callback, name="oidc-callback"),
]
