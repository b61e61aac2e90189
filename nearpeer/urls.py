from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("nearpeer.teaching.urls")),
    path("", include("nearpeer.core.urls")),
    path("members/", include("nearpeer.members.urls")),
    path("notifications/", include("nearpeer.notifications.urls")),
    path("questions/", include("nearpeer.questions.urls")),
    path("", include("nearpeer.live.urls")),
    path("tutorials/", include("nearpeer.tutorials.urls")),
    path("osce/", include("nearpeer.osce.urls")),
    path("library/", include("nearpeer.library.urls")),
    path("search/", include("nearpeer.search.urls")),
    path("evaluation/", include("nearpeer.evaluation.urls")),
    path("", include("nearpeer.teachers.urls")),
    path("admin/", admin.site.urls),
]
