"""Notifications for events the lower `members` app signals (it never imports this app)."""

from django.dispatch import receiver
from django.urls import reverse

from nearpeer.members.models import Role, User
from nearpeer.members.signals import year_change_decided, year_change_requested

from .models import Category
from .services import notify


@receiver(year_change_requested, dispatch_uid="notify-committee-of-year-request")
def tell_committee(sender, request, **kwargs) -> None:
    committee = User.objects.filter(is_active=True, role_grants__role=Role.COMMITTEE).exclude(
        pk=request.member_id
    )
    notify(
        recipients=committee.distinct(),
        category=Category.ACCOUNT,
        title=f"{request.member.name} asks to change their year of study",
        url=reverse("members:year-request-list"),
    )


@receiver(year_change_decided, dispatch_uid="notify-member-of-year-decision")
def tell_member(sender, request, **kwargs) -> None:
    notify(
        recipients=[request.member],
        category=Category.ACCOUNT,
        title=f"Your year-of-study request ({request.year_label}) was {request.status}",
        url=reverse("members:profile"),
    )
