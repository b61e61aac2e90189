from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Category, Notification, NotificationPreference


def make(recipient, title="Reminder", read=False):
    return Notification.objects.create(
        recipient=recipient,
        category=Category.SESSIONS,
        title=title,
        read_at=timezone.now() if read else None,
    )


def test_list_shows_own_notifications_and_unread_count(client, ada):
    make(ada, "Mine unread")
    make(ada, "Mine read", read=True)
    make(UserFactory(), "Someone else's")
    client.force_login(ada)

    response = client.get(reverse("notifications:list"))

    html = response.content.decode()
    assert [n.title for n in response.context["page"]] == ["Mine read", "Mine unread"]
    assert (
        response.context["unread_count"],
        '<span id="unread-count">1 unread</span>' in html,
    ) == (
        1,
        True,
    )
    assert "Someone else" not in html


def test_list_has_no_guilt_nudges(client, ada):
    client.force_login(ada)

    html = client.get(reverse("notifications:list")).content.decode().lower()

    assert [word for word in ("streak", "you missed", "don't break") if word in html] == []


def test_mark_read_without_js_redirects(client, ada):
    n = make(ada)
    client.force_login(ada)

    response = client.post(reverse("notifications:notification-read", kwargs={"pk": n.pk}))

    n.refresh_from_db()
    assert (response["Location"], n.read_at is not None) == (reverse("notifications:list"), True)


def test_mark_read_htmx_returns_item_and_new_count(client, ada):
    n = make(ada)
    make(ada, "Another")
    client.force_login(ada)

    response = client.post(
        reverse("notifications:notification-read", kwargs={"pk": n.pk}),
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="notification" id="notification-{n.pk}">')
    assert '<span id="unread-count" hx-swap-oob="true">1 unread</span>' in html


def test_cannot_mark_someone_elses_notification(client, ada):
    n = make(UserFactory())
    client.force_login(ada)

    response = client.post(reverse("notifications:notification-read", kwargs={"pk": n.pk}))

    n.refresh_from_db()
    assert (response.status_code, n.read_at) == (404, None)


def test_mark_all_read(client, ada):
    make(ada)
    make(ada)
    client.force_login(ada)

    response = client.post(reverse("notifications:notification-read-all"), follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Marked 2 notifications as read."]
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_preferences_default_all_emails_on(client, ada):
    client.force_login(ada)

    form = client.get(reverse("notifications:preferences")).context["form"]

    assert form.initial == {"email_categories": list(Category.values)}


def test_preferences_saved(client, ada):
    client.force_login(ada)

    client.post(
        reverse("notifications:preferences"),
        {"email_categories": [Category.SESSIONS], "quiet_start": "22:00", "quiet_end": "07:30"},
    )

    p = NotificationPreference.objects.get(member=ada)
    assert (sorted(p.email_off), p.quiet_start, p.quiet_end) == (
        sorted(set(Category.values) - {Category.SESSIONS}),
        time(22),
        time(7, 30),
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"quiet_start": "22:00"},
            {"quiet_end": ["Give both the start and the end of quiet hours, or neither."]},
        ),
        (
            {"quiet_start": "22:00", "quiet_end": "22:00"},
            {"quiet_end": ["Quiet hours must end at a different time than they start."]},
        ),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, {"quiet_start": ["Enter a valid time."]}),
        (
            {"email_categories": ["spam"]},
            {
                "email_categories": [
                    "Select a valid choice. spam is not one of the available choices."
                ]
            },
        ),
    ],
)
def test_preferences_bad_input(client, ada, data, errors):
    client.force_login(ada)

    response = client.post(reverse("notifications:preferences"), data)

    assert response.context["form"].errors == errors
    assert NotificationPreference.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_list_query_count(client, ada, django_assert_num_queries, count):
    for i in range(count):
        make(ada, f"N{i}")
    client.force_login(ada)

    with django_assert_num_queries(6):
        response = client.get(reverse("notifications:list"))

    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("/sessions/3/", "/sessions/3/"),
        ("https://meet.example.org/x", "https://meet.example.org/x"),
        ("javascript:alert(1)", ""),
        ("//evil.example", ""),
        ("", ""),
    ],
)
def test_only_safe_links_are_rendered(ada, url, link):
    assert Notification(recipient=ada, title="x", url=url).link == link
