from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: Django tries the patterns in order, and the search (typed into on every page, a
    # request per keystroke) would otherwise be matched against every pattern of the apps
    # mounted at "" before it. Nothing else starts with "search/".
    path("search/", include("nearpeer.search.urls")),
    path("", include("nearpeer.teaching.urls")),
    path("", include("nearpeer.core.urls")),
    path("members/", include("nearpeer.members.urls")),
    path("notifications/", include("nearpeer.notifications.urls")),
    path("questions/", include("nearpeer.questions.urls")),
    path("", include("nearpeer.live.urls")),
    path("tutorials/", include("nearpeer.tutorials.urls")),
    path("osce/", include("nearpeer.osce.urls")),
    path("library/", include("nearpeer.library.urls")),
    path("evaluation/", include("nearpeer.evaluation.urls")),
    path("", include("nearpeer.teachers.urls")),
    path("admin/", admin.site.urls),
]
