from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@login_not_required
def favicon(request):
    return HttpResponsePermanentRedirect(static("icons/nearpeer.svg"))


@require_GET
@login_not_required
def help_page(request):
    """Short guides per role (member, teacher, committee, evaluation lead)."""
    return render(request, "core/help.html")
