from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_check(alias: str):
    def check() -> None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")

    return check


def _check_cache() -> None:
    # The resilient Redis cache hides outages from pages; ask Redis itself here.
    if hasattr(cache, "ping"):
        cache.ping()


def dependency_status() -> dict[str, str]:
    """ "ok" or "down (<error kind>)" for each dependency the site needs to serve pages."""
    checks = {
        "database" if alias == "default" else f"database {alias}": _database_check(alias)
        for alias in connections
    }
    if settings.REDIS_URL:
        checks["redis"] = _check_cache
    status = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the kind is enough
            status[name] = f"down ({type(exc).__name__})"
        else:
            status[name] = "ok"
    return status


@require_GET
@login_not_required
@never_cache
def healthz(request):
    """Readiness: 200 when every dependency answers, 503 naming the one that does not (a load
    balancer takes the server out; an operator sees which). No secrets, no addresses."""
    status = dependency_status()
    ready = all(value == "ok" for value in status.values())
    lines = ["ok" if ready else "unavailable"] + [f"{k}: {v}" for k, v in status.items()]
    return HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain", status=200 if ready else 503
    )


@require_GET
@login_not_required
def favicon(request):
    return HttpResponsePermanentRedirect(static("icons/nearpeer.svg"))


@require_GET
@login_not_required
def apple_touch_icon(request):
    return HttpResponsePermanentRedirect(static("icons/apple-touch-icon.png"))


@require_GET
@login_not_required
def help_page(request):
    """Short guides per role (member, teacher, committee, evaluation lead)."""
    return render(request, "core/help.html")


def follow_job(request, job, created: bool, *, already: str):
    """The page a view sends its user to after `start_job`: the job's own. When the job was
    already running (someone else started the same work), a message says who and what, e.g.
    already="is already building this file" gives "Ann is already building this file; here it
    is."."""
    from django.contrib import messages
    from django.shortcuts import redirect

    if not created:
        who = job.started_by.name if job.started_by else "someone"
        messages.info(request, f"{who} {already}; here it is.")
    return redirect("core:job-detail", pk=job.pk)


@require_GET
@never_cache
def job_detail(request, pk: int):
    """A background job's progress and, once it ends, its result or errors. Polled by htmx while
    the job is active (the `job-status` partial); without JavaScript a meta refresh reloads it."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from .jobs import can_view_job
    from .models import BackgroundJob

    job = get_object_or_404(BackgroundJob.objects.select_related("started_by"), pk=pk)
    if not can_view_job(request.user, job):
        raise Http404
    template = "core/job_detail.html"
    if request.htmx:
        template += "#job-status"
    return render(request, template, {"job": job})


@require_GET
def job_output(request, pk: int):
    """Download what a finished job built (a report), if the viewer may watch the job."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from .files import private_file_response
    from .jobs import can_view_job
    from .models import BackgroundJob

    job = get_object_or_404(BackgroundJob, pk=pk)
    if not can_view_job(request.user, job) or not job.output:
        raise Http404
    return private_file_response(job.output, content_type=job.output_type, filename=job.output_name)
