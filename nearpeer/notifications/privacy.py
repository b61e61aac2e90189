"""Notifications' part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member)."""

from .models import Notification, NotificationPreference

ERASED_QUOTE = "(removed: the author's data was erased)"

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "notifications.Notification.recipient": "deleted",
    "notifications.Notification.quotes": "the quoted words removed from every recipient's copy",
    "notifications.NotificationPreference.member": "deleted",
    "notifications.ReminderSent.member": "kept under the anonymous account (no personal data)",
}


def _iso(value):
    return value.isoformat() if value else None


def export_member_data(*, member) -> dict:
    """The member's notifications and email preferences. Side effects: none."""
    preference = NotificationPreference.objects.filter(member=member).first()
    return {
        "notifications": [
            {
                "category": n.category,
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
                "emailed_at": _iso(n.emailed_at),
            }
            for n in Notification.objects.filter(recipient=member)
        ],
        "preferences": preference.as_dict() if preference else None,
    }


def erase_member_data(*, member) -> None:
    """Delete the member's notifications and preferences; take their words out of the
    notifications others received (a flag's text, a review comment)."""
    Notification.objects.filter(recipient=member).delete()
    NotificationPreference.objects.filter(member=member).delete()
    Notification.objects.filter(quotes=member).update(body=ERASED_QUOTE, quotes=None)
