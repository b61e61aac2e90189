from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
