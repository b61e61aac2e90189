from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.resource_create, name="resource-create"),
    path("review/", views.review_list, name="review-list"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.resource_detail, name="resource-detail"),
    path("<int:pk>/edit/", views.resource_edit, name="resource-edit"),
    path("<int:pk>/files/new/", views.attachment_add, name="attachment-add"),
    path("<int:pk>/links/new/", views.link_add, name="link-add"),
    path("<int:pk>/authors/", views.resource_authors, name="resource-authors"),
    path("<int:pk>/authors/<int:user_pk>/remove/", views.author_remove, name="author-remove"),
    path("<int:pk>/submit/", views.resource_submit, name="resource-submit"),
    path("<int:pk>/review/", views.resource_review, name="resource-review"),
    path("<int:pk>/endorse/", views.resource_endorse, name="resource-endorse"),
    path("<int:pk>/report/", views.report_create, name="report-create"),
    path("<int:pk>/use/", views.resource_use, name="resource-use"),
    path("<int:pk>/remix/", views.resource_remix, name="resource-remix"),
    path("files/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("files/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("reports/<int:pk>/resolve/", views.report_resolve, name="report-resolve"),
]
