from django.conf import settings
from django.db import models
from django.utils import timezone


class Category(models.TextChoices):
    """What a notification is about; members choose per category whether email is sent too."""

    SESSIONS = "sessions", "Sessions I registered for (reminders, changes, cancellations)"
    WAITLIST = "waitlist", "Waiting-list places"
    TEACHING = "teaching", "Sessions I teach"
    QUESTIONS = "questions", "Question bank reviews and flags"
    TUTORIALS = "tutorials", "Tutorial groups and mentoring"
    SURVEYS = "surveys", "Surveys and evaluation"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title
