"""The main menu's links, rendered once per process for each set of roles
(core.context_processors): each member sees the links of their own roles, at once after a
role is granted."""

import pytest
from django.urls import reverse

from nearpeer.members.models import Role, RoleGrant
from nearpeer.members.tests.factories import UserFactory, committee

pytestmark = pytest.mark.django_db

DASHBOARD = f'href="{reverse("teaching:dashboard")}">Committee</a>'
TEACH = f'href="{reverse("teaching:teacher-home")}">Teach</a>'


def _menu(client) -> str:
    html = client.get(reverse("teaching:timetable")).content.decode()
    return html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]


def test_each_member_sees_the_links_of_their_own_roles(client):
    plain, chair = UserFactory(), committee()

    client.force_login(plain)
    first = _menu(client)
    client.force_login(chair)
    theirs = _menu(client)
    client.force_login(plain)
    again = _menu(client)

    assert DASHBOARD not in first and TEACH not in first
    assert DASHBOARD not in again and TEACH not in again
    assert DASHBOARD in theirs and TEACH in theirs
    assert f'href="{reverse("teaching:timetable")}">Timetable</a>' in first


def test_a_granted_role_shows_in_the_menu_at_once(client):
    member = UserFactory()
    client.force_login(member)
    assert DASHBOARD not in _menu(client)

    RoleGrant.objects.create(user=member, role=Role.COMMITTEE)

    assert DASHBOARD in _menu(client)


def test_the_header_and_footer_links_reversed_once_point_where_they_should(client):
    signed_out = client.get(reverse("members:login")).content.decode()
    assert f'class="brand" href="{reverse("members:login")}"' in signed_out
    assert f'href="{reverse("members:privacy")}">Privacy</a>' in signed_out

    client.force_login(UserFactory(name="Ada Lovelace"))
    html = client.get(reverse("teaching:timetable")).content.decode()
    assert f'class="brand" href="{reverse("teaching:home")}"' in html
    assert f'action="{reverse("members:logout")}"' in html
    assert f'href="{reverse("core:help")}">Help</a>' in html
    assert f'<a href="{reverse("members:profile")}">' in html


def test_every_page_links_its_stylesheet_and_scripts_rendered_once(client):
    from django.templatetags.static import static

    for html in (
        client.get(reverse("members:login")).content.decode(),
        client.get(reverse("members:login")).content.decode(),
    ):
        head = html.split("</head>", 1)[0]
        assert f'<link rel="stylesheet" href="{static("css/nearpeer.css")}">' in head
        assert f'<script src="{static("js/nav.js")}" defer></script>' in head
