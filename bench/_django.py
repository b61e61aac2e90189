"""Setting Django up inside a benchmark process: production settings on a given database, plain
static storage (no collectstatic), and optionally a URLconf with a bare view beside the real ones
(the baseline every page is compared against)."""

import os
import secrets
import sys


def environment(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("NEARPEER_ANONYMITY_KEY", secrets.token_urlsafe(40))
    os.environ.pop("NEARPEER_DEBUG", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "nearpeer.settings"


def setup(bare_urlconf: str | None = None) -> None:
    """django.setup(); with `bare_urlconf`, that module (install_bare_urlconf) is the URLconf."""
    import django

    import nearpeer.settings as project_settings

    # No collectstatic in a benchmark: plain static storage, same for every view measured.
    project_settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    if bare_urlconf:
        project_settings.ROOT_URLCONF = bare_urlconf
    django.setup()


def install_bare_urlconf(name: str) -> None:
    """A URLconf module `name`: /bench/bare/ answers "ok" with no query, then the project's URLs."""
    import types

    from django.http import HttpResponse
    from django.urls import include, path

    def bare(request):
        return HttpResponse("ok", content_type="text/plain")

    module = types.ModuleType(name)
    module.urlpatterns = [path("bench/bare/", bare), path("", include("nearpeer.urls"))]
    sys.modules[name] = module
