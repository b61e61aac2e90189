from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import PreferenceForm
from .models import Notification, NotificationPreference

PAGE_SIZE = 30


def notification_list(request):
    notifications = Notification.objects.filter(recipient=request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "unread_count": notifications.unread().count()},
    )


@require_POST
def notification_read(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification.mark_read()
    if request.htmx:
        unread = Notification.objects.filter(recipient=request.user).unread().count()
        return render(
            request,
            "notifications/notification_read.html",
            {"notification": notification, "unread_count": unread},
        )
    messages.success(request, f"Marked “{notification.title}” as read.")
    return redirect("notifications:list")


@require_POST
def notification_read_all(request):
    count = services.mark_all_read(member=request.user)
    messages.success(request, f"Marked {count} notification{pluralize(count)} as read.")
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def preference_update(request):
    preference = NotificationPreference.objects.filter(member=request.user).first()
    form = PreferenceForm.for_preference(
        preference, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        form.save(request.user)
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preference_update.html", {"form": form})
