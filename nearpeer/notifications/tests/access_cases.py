from nearpeer.core.tests.access import LOGIN, Access, expect
from nearpeer.notifications.models import Category, Notification

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
SIGNED_IN_POST = expect(anonymous=LOGIN, member=302, teacher=302, committee=302, faculty=302)


def arrange(world):
    # Belongs to the member; anyone else asking to mark it read gets 404.
    world.notification = Notification.objects.create(
        recipient=world.member, category=Category.SESSIONS, title="Reminder"
    )


CASES = [
    Access("notifications:list", SIGNED_IN),
    Access(
        "notifications:notification-read",
        expect(anonymous=LOGIN, member=302, teacher=404, committee=404, faculty=404),
        kwargs=lambda w: {"pk": w.notification.pk},
        method="post",
    ),
    Access("notifications:notification-read-all", SIGNED_IN_POST, method="post"),
    Access("notifications:preferences", SIGNED_IN),
    Access(
        "notifications:preferences",
        SIGNED_IN_POST,
        method="post",
        data=lambda w: {"email_categories": ["sessions"], "quiet_start": "", "quiet_end": ""},
    ),
]
