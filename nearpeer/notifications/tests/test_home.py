import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notify(member, n, **kwargs):
    for i in range(n):
        Notification.objects.create(recipient=member, category="sessions", title=f"N{i}", **kwargs)


def test_home_shows_my_unread_count_beside_the_notifications_heading(client, ada):
    _notify(ada, 2)
    _notify(ada, 1, read_at=timezone.now())
    _notify(UserFactory(), 4)
    client.force_login(ada)

    html = client.get(reverse("teaching:home")).content.decode()

    link = f'<a href="{reverse("notifications:list")}">Notifications</a>'
    assert f'{link} <span class="badge">2 unread</span>' in html


def test_home_has_no_notifications_panel_when_everything_is_read(client, ada):
    _notify(ada, 2, read_at=timezone.now())
    client.force_login(ada)

    html = client.get(reverse("teaching:home")).content.decode()

    assert 'id="panel-notifications"' not in html
    assert "unread" not in html
