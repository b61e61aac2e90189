import json
import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.models import Phase, RoleGrant, User
from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Category, Notification
from nearpeer.notifications.services import notify
from nearpeer.teaching.models import Attendance, Registration
from nearpeer.teaching.tests.factories import SessionFactory


def test_profile_shows_phase_from_setting(client, member, settings):
    settings.NEARPEER_CLINICAL_FROM_YEAR = 2
    client.force_login(member)

    response = client.get(reverse("members:profile"))

    assert "<dt>Phase</dt><dd>Clinical</dd>" in response.content.decode()


@pytest.mark.parametrize(
    ("year", "phase"),
    [(1, Phase.PRE_CLINICAL), (2, Phase.PRE_CLINICAL), (3, Phase.CLINICAL), (6, Phase.CLINICAL)],
)
def test_phase_follows_year(member, year, phase):
    member.year = year
    assert member.phase == phase


def test_profile_edit_saves_name_but_never_the_year(client, member):
    # Finding 7: the year decides what a member reaches, so members cannot set their own.
    client.force_login(member)

    response = client.post(
        reverse("members:profile"), {"name": "Ada L.", "year": "4", "intercalating": "on"}
    )

    member.refresh_from_db()
    assert (response["Location"], member.name, member.year, member.intercalating) == (
        reverse("members:profile"),
        "Ada L.",
        2,
        False,
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": "  ", "year": "2"}, {"name": ["This field is required."]}),
        (
            {"name": "A" * 151, "year": "2"},
            {"name": ["Ensure this value has at most 150 characters (it has 151)."]},
        ),
    ],
)
def test_profile_edit_rejects_bad_input(client, member, data, errors):
    client.force_login(member)

    response = client.post(reverse("members:profile"), data)

    member.refresh_from_db()
    assert (response.context["form"].errors, member.name, member.year) == (errors, "Ada Member", 2)


def test_password_change_keeps_member_signed_in(client, member):
    client.force_login(member)

    response = client.post(
        reverse("members:password-change"),
        {
            "old_password": "pw",
            "new_password1": "violet-harbour-31",
            "new_password2": "violet-harbour-31",
        },
        follow=True,
    )

    member.refresh_from_db()
    assert member.check_password("violet-harbour-31")
    assert [str(m) for m in response.context["messages"]] == ["Your password is changed."]
    assert response.context["user"] == member


def test_password_change_needs_the_old_password(client, member):
    client.force_login(member)

    response = client.post(
        reverse("members:password-change"),
        {
            "old_password": "nope",
            "new_password1": "violet-harbour-31",
            "new_password2": "violet-harbour-31",
        },
    )

    member.refresh_from_db()
    assert response.context["form"].errors == {
        "old_password": ["Your old password was entered incorrectly. Please enter it again."]
    }
    assert member.check_password("pw")


def test_data_export_contains_only_own_data(client, member):
    other = UserFactory()
    session = SessionFactory(title="Cardiac cycle")
    Registration.objects.create(session=session, member=member, status="registered")
    Registration.objects.create(session=session, member=other, status="registered")
    Attendance.objects.create(session=session, member=member)
    notify(recipients=[member, other], category=Category.SESSIONS, title="Hello")
    client.force_login(member)

    response = client.get(reverse("members:data-export"))

    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith('attachment; filename="nearpeer-my-data-')
    assert data["profile"]["email"] == "ada@example.ac.uk"
    assert [r["session"] for r in data["teaching"]["registrations"]] == ["Cardiac cycle"]
    assert [a["session"] for a in data["teaching"]["attendance"]] == ["Cardiac cycle"]
    assert [n["title"] for n in data["notifications"]["notifications"]] == ["Hello"]
    assert data["core"] == {"background_jobs": []}
    assert set(data) == {
        "profile",
        "sign_ins",
        "failed_sign_ins",
        "core",
        "members",
        "notifications",
        "teaching",
        "questions",
        "live",
        "tutorials",
        "osce",
        "teachers",
        "library",
        "evaluation",
    }


def test_erase_member_anonymises_and_keeps_aggregates(client, chair, member):
    session = SessionFactory(starts_at=timezone.now() - timedelta(days=7))
    upcoming = SessionFactory()
    Registration.objects.create(session=session, member=member, status="registered")
    Registration.objects.create(session=upcoming, member=member, status="registered")
    Attendance.objects.create(session=session, member=member)
    notify(recipients=[member], category=Category.SESSIONS, title="Hello")
    RoleGrant.objects.create(user=member, role="student_teacher")
    client.force_login(chair)

    response = client.post(reverse("members:member-erase", kwargs={"pk": member.pk}), follow=True)

    member.refresh_from_db()
    assert [str(m) for m in response.context["messages"]] == [
        "Ada Member's personal data is erased."
    ]
    assert (member.name, member.email, member.is_active, member.has_usable_password()) == (
        "Erased member",
        f"erased-{member.pk}@erased.invalid",
        False,
        False,
    )
    assert member.erased_at is not None
    assert sorted(Registration.objects.filter(member=member).values_list("status", flat=True)) == [
        "cancelled",
        "registered",
    ]
    assert (
        Registration.objects.filter(member=member).count(),
        Attendance.objects.filter(member=member).count(),
    ) == (2, 1)
    assert (
        Notification.objects.filter(recipient=member).count(),
        RoleGrant.objects.filter(user=member).count(),
    ) == (0, 0)
    assert not User.objects.filter(email="ada@example.ac.uk").exists()


def test_erase_confirmation_page_then_erased_member_is_404(client, chair, member):
    client.force_login(chair)
    url = reverse("members:member-erase", kwargs={"pk": member.pk})

    page = client.get(url)
    client.post(url)
    again = client.get(url)

    assert "This cannot be undone." in page.content.decode()
    assert again.status_code == 404


def test_committee_cannot_erase_themselves(client, chair):
    client.force_login(chair)

    response = client.post(reverse("members:member-erase", kwargs={"pk": chair.pk}), follow=True)

    chair.refresh_from_db()
    assert (chair.is_active, [str(m) for m in response.context["messages"]]) == (
        True,
        ["You cannot erase your own account; ask another committee member."],
    )


def test_other_apps_contribute_to_export_and_erasure(client, chair, member, monkeypatch):
    import types

    erased = []
    module = types.ModuleType("nearpeer.evaluation.privacy")
    module.export_member_data = lambda *, member: {"surveys_answered_named": 3}
    module.erase_member_data = lambda *, member: erased.append(member.pk)
    monkeypatch.setitem(sys.modules, "nearpeer.evaluation.privacy", module)
    client.force_login(member)

    exported = json.loads(client.get(reverse("members:data-export")).content)
    client.force_login(chair)
    client.post(reverse("members:member-erase", kwargs={"pk": member.pk}))

    assert (exported["evaluation"], erased) == ({"surveys_answered_named": 3}, [member.pk])


def test_rejected_edit_keeps_the_saved_name_in_the_header(client, member):
    client.force_login(member)

    response = client.post(reverse("members:profile"), {"name": " " * 3})

    assert (response.context["user"].name, response.context["member"].name) == (
        "Ada Member",
        "Ada Member",
    )


def test_privacy_page_names_the_group_threshold(client, settings, db):
    settings.NEARPEER_MIN_GROUP_SIZE = 7

    response = client.get(reverse("members:privacy"))

    assert "Reports never show groups smaller than 7 people." in response.content.decode()
