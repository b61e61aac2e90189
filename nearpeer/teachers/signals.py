"""Receivers: a member's first opening of a recording invites them to give feedback.

teaching must not import teachers, so the invitation hangs on MaterialView's post_save."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from nearpeer.teaching.models import MaterialView


@receiver(post_save, sender=MaterialView, dispatch_uid="teachers-recording-feedback")
def invite_recording_viewer(sender, instance: MaterialView, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw"):
        from .services import ask_recording_viewer

        ask_recording_viewer(material=instance.material, member=instance.member)
