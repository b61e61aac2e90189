from django.conf import settings
from django.db import models
from django.utils import timezone

from nearpeer.core.cache import OwnerBumpingQuerySet


class Category(models.TextChoices):
    """What a notification is about; members choose per category whether email is sent too."""

    SESSIONS = "sessions", "Sessions I registered for (reminders, changes, cancellations)"
    WAITLIST = "waitlist", "Waiting-list places"
    TEACHING = "teaching", "Sessions I teach"
    QUESTIONS = "questions", "Question bank reviews and flags"
    TUTORIALS = "tutorials", "Tutorial groups and mentoring"
    SURVEYS = "surveys", "Surveys and evaluation"
    ACCOUNT = "account", "My account (year of study requests)"


class NotificationQuerySet(OwnerBumpingQuerySet):
    # The home panel's unread count is cached per recipient (nearpeer.notifications.home).
    bumps_prefix = "notifications"
    owner_field = "recipient_id"

    def unread(self):
        return self.filter(read_at__isnull=True)

    def email_due(self, now=None):
        """Emails whose time has come and that nobody has sent yet."""
        return self.filter(emailed_at__isnull=True, email_due_at__lte=now or timezone.now())


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
    # Empty: no email for this one (the member turned the category off).
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The member whose own words the body quotes (a flag, a review comment): when they are
    # erased, the quote goes from every recipient's copy too.
    quotes = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["emailed_at", "email_due_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        """The URL to show as a link: only site paths and https addresses."""
        if self.url.startswith("/") and not self.url.startswith("//"):
            return self.url
        return self.url if self.url.startswith("https://") else ""

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self, now=None) -> None:
        if self.read_at is None:
            self.read_at = now or timezone.now()
            self.save(update_fields=["read_at"])


class NotificationPreference(models.Model):
    """A member's choices. In-app notifications always arrive; email is per category, and
    quiet hours (local time) hold emails back until they end."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_off = models.JSONField(
        default=list, blank=True, help_text="Categories the member gets no email for."
    )
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of {self.member}"

    def wants_email(self, category: str) -> bool:
        return category not in self.email_off

    def as_dict(self) -> dict:
        return {
            "email_off": sorted(self.email_off),
            "quiet_start": self.quiet_start.isoformat() if self.quiet_start else None,
            "quiet_end": self.quiet_end.isoformat() if self.quiet_end else None,
        }


class ReminderSent(models.Model):
    """One reminder per member per session, however often the reminder command runs."""

    session = models.ForeignKey("teaching.Session", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_reminder_per_session")
        ]
