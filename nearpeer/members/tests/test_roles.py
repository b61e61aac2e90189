import pytest
from django.urls import reverse

from nearpeer.members.models import Role, RoleGrant, User
from nearpeer.members.tests.factories import UserFactory


def roles_of(user) -> list[str]:
    return sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def test_member_search_by_name_or_email(client, chair):
    UserFactory(name="Zed Zebra", email="zz@x.org")
    UserFactory(name="Amy Apple", email="amy@zebra.org")
    UserFactory(name="Bob Other", email="bob@x.org")
    client.force_login(chair)

    response = client.get(reverse("members:member-list"), {"q": "zebra"})

    assert [m.name for m, _ in response.context["rows"]] == ["Amy Apple", "Zed Zebra"]


def test_member_filter_by_role(client, chair):
    UserFactory(name="Tess Teacher", roles=[Role.STUDENT_TEACHER])
    UserFactory(name="Nora None")
    client.force_login(chair)

    response = client.get(reverse("members:member-list"), {"role": Role.STUDENT_TEACHER})

    assert [m.name for m, _ in response.context["rows"]] == ["Tess Teacher"]


def test_grant_and_revoke_roles(client, root, member):
    RoleGrant.objects.create(user=member, role=Role.FACULTY)
    client.force_login(root)
    prefix = f"m{member.pk}"

    response = client.post(
        reverse("members:member-roles", kwargs={"pk": member.pk}),
        {f"{prefix}-roles": [Role.STUDENT_TEACHER, Role.COMMITTEE], "query": "q=ada"},
        follow=True,
    )

    member.refresh_from_db()
    assert roles_of(member) == [Role.COMMITTEE, Role.STUDENT_TEACHER]
    assert member.is_staff is True
    assert response.redirect_chain == [(reverse("members:member-list") + "?q=ada", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Roles of Ada Member: granted committee, student_teacher; revoked faculty."
    ]


def test_revoking_committee_removes_admin_access(client, root, member):
    RoleGrant.objects.create(user=member, role=Role.COMMITTEE)
    member.is_staff = True
    member.save()
    client.force_login(root)

    client.post(reverse("members:member-roles", kwargs={"pk": member.pk}), {})

    member.refresh_from_db()
    assert (roles_of(member), member.is_staff) == ([], False)


def test_roles_htmx_returns_the_row(client, root, member):
    client.force_login(root)

    response = client.post(
        reverse("members:member-roles", kwargs={"pk": member.pk}),
        {f"m{member.pk}-roles": [Role.EVALUATION_LEAD]},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="member-{member.pk}">')
    assert "Roles of Ada Member: granted evaluation_lead." in html
    assert roles_of(member) == [Role.EVALUATION_LEAD]


def test_unknown_role_rejected(client, root, member):
    client.force_login(root)

    client.post(
        reverse("members:member-roles", kwargs={"pk": member.pk}), {f"m{member.pk}-roles": ["king"]}
    )

    assert roles_of(member) == []


@pytest.mark.parametrize("extra", [0, 2])
def test_member_list_query_count(client, chair, django_assert_num_queries, extra):
    for i in range(extra):
        UserFactory(roles=[Role.STUDENT_TEACHER, Role.FACULTY], name=f"Extra {i}")
    client.force_login(chair)
    # 1 or 3 members listed besides the committee member: the chair plus `extra`.

    # 7 = 6 before invitations + 1 count of waiting requests for access (the invitation status
    # rides on the members query through a join).
    with django_assert_num_queries(7):
        response = client.get(reverse("members:member-list"))

    assert len(response.context["rows"]) == 1 + extra


def test_last_committee_member_keeps_the_role(client, chair):
    client.force_login(chair)

    response = client.post(
        reverse("members:member-roles", kwargs={"pk": chair.pk}), {}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Roles of Cara Chair not changed: the society needs at least one committee member."
    ]
    assert roles_of(chair) == [Role.COMMITTEE]


def test_unknown_role_message(client, root, member):
    client.force_login(root)

    response = client.post(
        reverse("members:member-roles", kwargs={"pk": member.pk}),
        {f"m{member.pk}-roles": ["king"]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Roles of Ada Member not changed: Select a valid choice. king is not one of the "
        "available choices."
    ]


def test_cached_roles_follow_every_change_at_once(client, root, member, django_assert_num_queries):
    """Roles are read from the shared cache (no query on a repeat request), and every way a
    grant changes (a service, a plain create, a queryset delete, erasure) is seen at once."""
    from nearpeer.members import services
    from nearpeer.members.privacy import erase_member_data

    client.force_login(member)
    page = reverse("members:member-list")
    assert client.get(page).status_code == 404
    fresh = User.objects.get(pk=member.pk)  # a fresh object, as each request has
    with django_assert_num_queries(0):
        assert fresh.roles == frozenset()

    services.set_roles(member=member, roles={Role.COMMITTEE}, by=root)
    assert client.get(page).status_code == 200

    RoleGrant.objects.filter(user=member).delete()
    assert client.get(page).status_code == 404

    RoleGrant.objects.create(user=member, role=Role.COMMITTEE)
    assert client.get(page).status_code == 200

    erase_member_data(member=member)
    assert client.get(page).status_code == 404

    RoleGrant.objects.bulk_create([RoleGrant(user=member, role=Role.COMMITTEE)])
    assert client.get(page).status_code == 200
