from django.urls import path

from . import views

app_name = "questions"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.question_create, name="question-create"),
    path("review/", views.review_list, name="review-list"),
    path("practise/", views.practice_next, name="practice-next"),
    path("queue/", views.queue_home, name="queue-home"),
    path("queue/next/", views.queue_next, name="queue-next"),
    path("queue/settings/", views.queue_settings, name="queue-settings"),
    path("<int:pk>/", views.question_detail, name="question-detail"),
    path("<int:pk>/edit/", views.question_edit, name="question-edit"),
    path("<int:pk>/transition/", views.question_transition, name="question-transition"),
    path("<int:pk>/comment/", views.question_comment, name="question-comment"),
    path("<int:pk>/practise/", views.question_practise, name="question-practise"),
    path("<int:pk>/rate/", views.question_rate, name="question-rate"),
    path("<int:pk>/flag/", views.question_flag, name="question-flag"),
    path("flags/", views.flag_list, name="flag-list"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag-resolve"),
    path("versions/<int:pk>/image/", views.version_image, name="version-image"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt-detail"),
    path("tags/", views.tag_list, name="tag-list"),
    path("tags/<int:pk>/", views.tag_edit, name="tag-edit"),
    path("import/", views.import_upload, name="import-upload"),
    path("import/<int:pk>/", views.import_preview, name="import-preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("papers/", views.paper_list, name="paper-list"),
    path("papers/new/", views.paper_create, name="paper-create"),
    path("papers/<int:pk>/", views.paper_detail, name="paper-detail"),
    path("papers/<int:pk>/status/", views.paper_status, name="paper-status"),
    path("papers/<int:pk>/analysis/", views.paper_analysis, name="paper-analysis"),
    path("papers/<int:pk>/sit/", views.sitting_start, name="sitting-start"),
    path("sittings/<int:pk>/", views.sitting_detail, name="sitting-detail"),
    path("sittings/<int:pk>/submit/", views.sitting_submit, name="sitting-submit"),
    path("sittings/<int:pk>/result/", views.sitting_result, name="sitting-result"),
]
