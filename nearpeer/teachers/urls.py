from django.urls import path

from . import views

app_name = "teachers"
urlpatterns = [
    # Calls for teachers
    path("teachers/calls/", views.call_list, name="call-list"),
    path("teachers/calls/new/", views.call_create, name="call-create"),
    path("teachers/calls/<int:pk>/", views.call_detail, name="call-detail"),
    path("teachers/calls/<int:pk>/edit/", views.call_edit, name="call-edit"),
    path("teachers/calls/<int:pk>/apply/", views.application_create, name="application-create"),
    path("teachers/calls/<int:pk>/applications/", views.application_list, name="application-list"),
    path("teachers/calls/<int:pk>/decisions/", views.application_bulk, name="application-bulk"),
    path("teachers/applications/", views.my_applications, name="my-applications"),
    path("teachers/applications/<int:pk>/", views.application_detail, name="application-detail"),
    path(
        "teachers/applications/<int:pk>/withdraw/",
        views.application_withdraw,
        name="application-withdraw",
    ),
    path("teachers/applications/<int:pk>/review/", views.review_edit, name="review-edit"),
    path(
        "teachers/applications/<int:pk>/assign/", views.assignment_create, name="assignment-create"
    ),
    # Feedback
    path("teachers/feedback/", views.feedback_todo, name="feedback-todo"),
    path("teachers/feedback/sessions/<int:pk>/", views.feedback_form, name="feedback-form"),
    path("teachers/feedback/templates/", views.template_list, name="template-list"),
    path("teachers/feedback/templates/<str:kind>/", views.template_edit, name="template-edit"),
    path("teachers/sessions/<int:pk>/feedback/", views.feedback_session, name="feedback-session"),
    path(
        "teachers/sessions/<int:pk>/feedback/request/",
        views.feedback_request,
        name="feedback-request",
    ),
    path("teachers/my-feedback/", views.feedback_overview, name="feedback-overview"),
    path("teachers/committee/feedback/", views.feedback_committee, name="feedback-committee"),
    path(
        "teachers/sessions/<int:pk>/observers/", views.observation_create, name="observation-create"
    ),
    path("teachers/observations/<int:pk>/", views.observation_edit, name="observation-edit"),
    # Portfolio and workload
    path("teachers/portfolio/", views.portfolio, name="portfolio"),
    path("teachers/portfolio.pdf", views.portfolio_pdf, name="portfolio-pdf"),
    path("teachers/portfolio.csv", views.portfolio_csv, name="portfolio-csv"),
    path("teachers/members/<int:pk>/portfolio/", views.member_portfolio, name="member-portfolio"),
    path("teachers/workload/", views.workload_mine, name="workload-mine"),
    path("teachers/committee/workload/", views.workload_committee, name="workload-committee"),
    # Certificates
    path("teachers/certificates/", views.certificate_list, name="certificate-list"),
    path("teachers/certificates/issue/", views.certificate_issue, name="certificate-issue"),
    path(
        "teachers/certificates/<str:code>/revoke/",
        views.certificate_revoke,
        name="certificate-revoke",
    ),
    path("teachers/certificates/<str:code>.pdf", views.certificate_pdf, name="certificate-pdf"),
    path("certificates/<str:code>/", views.certificate_verify, name="certificate-verify"),
    path("certificates/<str:code>.jwt", views.certificate_jwt, name="certificate-jwt"),
    path(
        "certificates/<str:code>/status.json",
        views.certificate_status,
        name="certificate-status",
    ),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
