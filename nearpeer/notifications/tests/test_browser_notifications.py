import pytest

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Category, Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mark_read_with_htmx_updates_count_and_passes_axe(page, live_server, sign_in, axe):
    user = UserFactory(name="Ada Year2", email="ada@example.ac.uk")
    Notification.objects.create(recipient=user, category=Category.SESSIONS, title="Reminder")
    place = Notification.objects.create(
        recipient=user, category=Category.WAITLIST, title="A place is yours"
    )
    sign_in(page, user)

    page.goto(f"{live_server.url}/notifications/")
    assert axe(page) == []
    assert page.locator("#unread-count").inner_text() == "2 unread"
    page.locator(f"#notification-{place.pk}").get_by_role("button").click()

    page.locator("#unread-count", has_text="1 unread").wait_for()
    item = page.locator(f"#notification-{place.pk}")
    assert (item.get_by_role("button").count(), "read" in item.inner_text()) == (0, True)
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    page.goto(f"{live_server.url}/notifications/preferences/")
    assert axe(page) == []
