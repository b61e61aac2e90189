from django.urls import reverse

from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory, committee


def test_committee_with_staff_flag_manages_members_in_admin(client, db):
    chair = committee(is_staff=True)
    client.force_login(chair)

    index = client.get(reverse("admin:index"))
    users = client.get(reverse("admin:members_user_changelist"))

    assert index.status_code == users.status_code == 200
    labels = {m["app_label"] for m in index.context["app_list"]}
    assert {"members", "notifications", "axes"} <= labels
    assert labels & {"auth", "django_tasks_db"} == set()


def test_staff_flag_without_committee_role_gives_nothing(client, db):
    client.force_login(UserFactory(is_staff=True, roles=[Role.STUDENT_TEACHER]))

    response = client.get(reverse("admin:members_user_changelist"))

    assert response.status_code == 403


def test_member_sent_to_admin_login(client, db):
    client.force_login(UserFactory())

    response = client.get(reverse("admin:index"))

    assert response["Location"].startswith(reverse("admin:login"))
