from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.home, name="home"),
    path("surveys/new/", views.survey_create, name="survey-create"),
    path("surveys/<slug:slug>/", views.survey_detail, name="survey-detail"),
    path("surveys/<slug:slug>/edit/", views.survey_edit, name="survey-edit"),
    path("surveys/<slug:slug>/questions/add/", views.question_add, name="question-add"),
    path(
        "surveys/<slug:slug>/questions/<int:pk>/delete/",
        views.question_delete,
        name="question-delete",
    ),
    path("surveys/<slug:slug>/remind/", views.survey_remind, name="survey-remind"),
    path("surveys/<slug:slug>/close/", views.survey_close, name="survey-close"),
    path("surveys/<slug:slug>/answer/", views.survey_answer, name="survey-answer"),
    path("surveys/<slug:slug>/interview/", views.interview_signup, name="interview-signup"),
    path("surveys/<slug:slug>/import/", views.survey_import, name="survey-import"),
    path("surveys/<slug:slug>/report/", views.report_view, name="report-view"),
    path("surveys/<slug:slug>/report/download/", views.report_build, name="report-build"),
    path("surveys/<slug:slug>/report/<str:qid>.svg", views.report_chart, name="report-chart"),
    path("surveys/<slug:slug>/coding/", views.coding_workspace, name="coding-workspace"),
    path("surveys/<slug:slug>/coding/codes/", views.code_add, name="code-add"),
    path("surveys/<slug:slug>/coding/apply/", views.coding_apply, name="coding-apply"),
    path("surveys/<slug:slug>/coding/<int:pk>/delete/", views.coding_delete, name="coding-delete"),
    path("surveys/<slug:slug>/transcripts/", views.transcript_upload, name="transcript-upload"),
    path("surveys/<slug:slug>/agreement/", views.agreement_view, name="agreement-view"),
    path("surveys/<slug:slug>/reconcile/", views.reconcile_view, name="reconcile-view"),
    path("surveys/<slug:slug>/themes/", views.theme_report, name="theme-report"),
    path("surveys/<slug:slug>/codes.csv", views.codes_export, name="codes-export"),
    path("surveys/<slug:slug>/codes/import/", views.codes_import, name="codes-import"),
    path("surveys/<slug:slug>/project.qdpx", views.qdpx_export, name="qdpx-export"),
    path("surveys/<slug:slug>/qdpx/import/", views.qdpx_import, name="qdpx-import"),
    path("surveys/<slug:slug>/value/", views.value_report, name="value-report"),
    path("surveys/<slug:slug>/value/build/", views.value_report_build, name="value-report-build"),
]
