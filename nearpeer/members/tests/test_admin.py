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


def test_committee_cannot_set_passwords_or_make_superusers(client, db):
    chair = committee(is_staff=True)
    other = UserFactory(email="other@example.ac.uk")
    client.force_login(chair)

    password_page = client.get(reverse("admin:auth_user_password_change", args=[other.pk]))
    client.post(
        reverse("admin:members_user_change", args=[other.pk]),
        {
            "email": other.email,
            "name": "Other",
            "year": 2,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
    )

    other.refresh_from_db()
    assert password_page.status_code == 403
    assert (other.name, other.is_superuser, other.is_staff) == ("Other", False, False)
