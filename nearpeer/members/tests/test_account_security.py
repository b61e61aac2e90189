"""Issue #8, findings 1, 2 and 8 (accounts): each test failed on the code before the fix."""

import re

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from nearpeer.members.models import Role, RoleGrant, User
from nearpeer.members.tests.factories import UserFactory, committee

SIGN_IN = "/members/sign-in/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ada(db):
    return UserFactory(email="ada@example.ac.uk", password="right-horse-battery")


def sign_in(client, email, password, **extra):
    return client.post(SIGN_IN, {"username": email, "password": password}, **extra)


# --- Finding 1: lockout bypass by letter case -------------------------------------------------


def test_lockout_counts_every_spelling_of_one_email(client, ada):
    spellings = ["ada@example.ac.uk", "ADA@example.ac.uk", "Ada@Example.ac.uk", "ada@EXAMPLE.AC.UK"]
    for spelling in spellings + ["aDa@example.ac.uk"]:
        sign_in(client, spelling, "wrong", REMOTE_ADDR="10.0.0.9")

    locked = sign_in(client, "AdA@example.ac.uk", "right-horse-battery", REMOTE_ADDR="10.0.0.9")

    assert (locked.status_code, "_auth_user_id" in client.session) == (429, False)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["ada@example.ac.uk"]


def test_lockout_counts_spellings_with_the_production_proxy_settings(client, ada, settings):
    # Production: NEARPEER_PROXY_COUNT=1, the client address comes from X-Forwarded-For.
    settings.NEARPEER_PROXY_COUNT = 1
    # The client may prepend anything to X-Forwarded-For; our proxy appends what it saw.
    proxy = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    for spelling in ["ada@example.ac.uk", "ADA@example.ac.uk", "Ada@EXAMPLE.ac.uk"] + [
        "adA@example.ac.uk",
        "aDa@example.AC.uk",
    ]:
        sign_in(client, spelling, "wrong", **proxy)

    locked = sign_in(client, "ADA@example.ac.uk", "right-horse-battery", **proxy)
    elsewhere = sign_in(
        client,
        "ada@example.ac.uk",
        "right-horse-battery",
        REMOTE_ADDR="10.1.1.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )

    assert locked.status_code == 429
    # The pause is for that client address only (behind the same proxy, another client signs in).
    assert (elsewhere.status_code, int(client.session["_auth_user_id"])) == (302, ada.pk)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_admin_sign_in_form_counts_spellings_too(client, db):
    UserFactory(email="cara@example.ac.uk", password="right-horse-battery", is_staff=True)
    for spelling in ["cara@example.ac.uk", "CARA@example.ac.uk", "Cara@example.ac.uk"] * 2:
        client.post(
            reverse("admin:login"),
            {"username": spelling, "password": "wrong"},
            REMOTE_ADDR="10.0.0.3",
        )

    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("cara@example.ac.uk", 6)
    ]


def test_one_address_failing_against_many_accounts_is_paused(client, ada, settings):
    settings.NEARPEER_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for i in range(4):
        sign_in(client, f"someone{i}@example.ac.uk", "guess", REMOTE_ADDR="10.0.0.7")

    paused = sign_in(client, "ada@example.ac.uk", "right-horse-battery", REMOTE_ADDR="10.0.0.7")
    other_address = sign_in(
        client, "ada@example.ac.uk", "right-horse-battery", REMOTE_ADDR="10.0.0.8"
    )

    assert paused.status_code == 429
    assert "Too many sign-in attempts" in paused.content.decode()
    assert other_address.status_code == 302


def test_emails_are_stored_in_one_spelling(db):
    user = User.objects.create_user("  Bea@Example.AC.uk ", "pw", name="Bea")
    user.email = "BEA@EXAMPLE.AC.UK"
    user.save()

    assert User.objects.get(pk=user.pk).email == "bea@example.ac.uk"


def test_database_refuses_an_email_differing_only_by_case(ada):
    # bulk_create skips save(): the functional unique index is what refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="ADA@example.ac.uk", name="Twin")])


@pytest.mark.postgres
def test_postgresql_refuses_an_email_differing_only_by_case(ada):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="Ada@Example.ac.uk", name="Twin")])


def test_data_migration_keeps_the_recent_account_and_reports_the_conflict():
    from datetime import UTC, datetime
    from importlib import import_module
    from types import SimpleNamespace

    plan = import_module("nearpeer.members.migrations.0003_normalise_email_case")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    users = [
        SimpleNamespace(pk=1, email="Ada@X.org", last_login=None, date_joined=when),
        SimpleNamespace(pk=2, email="ada@x.org", last_login=when, date_joined=when),
        SimpleNamespace(pk=3, email="Bob@X.org", last_login=None, date_joined=when),
    ]

    changes, report = plan.plan_normalisation(users)

    assert changes == {1: "ada+duplicate-1@x.org", 3: "bob@x.org"}
    assert report == [
        "email conflict: user 1 ('Ada@X.org') and user 2 ('ada@x.org') differ only by case; "
        "user 2 keeps 'ada@x.org', user 1 is deactivated as 'ada+duplicate-1@x.org': "
        "merge by hand"
    ]


# --- Finding 8: password reset throttled -----------------------------------------------------


def test_fifteen_reset_requests_send_three_emails(client, ada, settings):
    settings.NEARPEER_PASSWORD_RESET_ADDRESS_LIMIT = 100
    for n in range(15):
        response = client.post(
            reverse("members:password-reset"),
            {"email": "ADA@example.ac.uk" if n % 2 else "ada@example.ac.uk"},
            REMOTE_ADDR=f"10.0.1.{n}",
        )
        # Same answer whether or not an email went, so the page never confirms an account.
        assert response["Location"] == reverse("members:password-reset-done")

    assert len(mail.outbox) == settings.NEARPEER_PASSWORD_RESET_EMAIL_LIMIT == 3


def test_reset_requests_from_one_address_are_paused(client, db, settings):
    settings.NEARPEER_PASSWORD_RESET_ADDRESS_LIMIT = 10
    statuses = [
        client.post(
            reverse("members:password-reset"),
            {"email": f"n{n}@example.ac.uk"},
            REMOTE_ADDR="10.0.2.2",
        ).status_code
        for n in range(12)
    ]

    assert statuses == [302] * 10 + [429, 429]


# --- Finding 2: only superusers change another person's email, password or roles --------------


def _change_form(user, **changes) -> dict:
    data = {
        "email": user.email,
        "name": user.name,
        "year": user.year or "",
        "is_active": "on",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_committee_cannot_change_another_members_email_in_admin(client, db):
    chair = committee(is_staff=True)
    victim = UserFactory(email="victim@example.ac.uk", name="Vic")
    client.force_login(chair)

    client.post(
        reverse("admin:members_user_change", args=[victim.pk]),
        _change_form(victim, email="attacker@evil.example", name="Vic Renamed"),
    )

    victim.refresh_from_db()
    assert (victim.email, victim.name) == ("victim@example.ac.uk", "Vic Renamed")
    # …so the anonymous reset goes only to the owner.
    client.logout()
    client.post(reverse("members:password-reset"), {"email": "attacker@evil.example"})
    assert mail.outbox == []


def _grant_in_admin(client, user):
    return client.post(
        reverse("admin:members_user_change", args=[user.pk]),
        _change_form(
            user,
            **{
                "role_grants-TOTAL_FORMS": "1",
                "role_grants-0-role": Role.COMMITTEE,
                "role_grants-0-user": user.pk,
                "role_grants-0-granted_at_0": "2026-01-05",
                "role_grants-0-granted_at_1": "10:00:00",
            },
        ),
    )


def test_committee_cannot_change_roles_in_admin(client, db):
    chair = committee(is_staff=True)
    other, control = UserFactory(), UserFactory()
    client.force_login(chair)

    _grant_in_admin(client, other)
    # The same form from a superuser does grant it: the data above is a valid grant.
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    _grant_in_admin(client, control)

    assert RoleGrant.objects.filter(user=other).count() == 0
    assert list(RoleGrant.objects.filter(user=control).values_list("role", flat=True)) == [
        Role.COMMITTEE
    ]


def test_nobody_but_a_superuser_edits_a_superuser(client, db):
    chair = committee(is_staff=True)
    root = UserFactory(email="root@example.ac.uk", name="Rhea", is_superuser=True, is_staff=True)
    client.force_login(chair)

    page = client.get(reverse("admin:members_user_change", args=[root.pk]))
    post = client.post(
        reverse("admin:members_user_change", args=[root.pk]), _change_form(root, name="Pwned")
    )
    delete = client.post(reverse("admin:members_user_delete", args=[root.pk]), {"post": "yes"})
    erase = client.post(reverse("members:member-erase", kwargs={"pk": root.pk}))

    root.refresh_from_db()
    assert (post.status_code, delete.status_code, erase.status_code) == (403, 403, 404)
    assert "Pwned" not in page.content.decode()
    assert (root.name, root.is_active, root.erased_at) == ("Rhea", True, None)


def test_superuser_changes_email_and_the_form_refuses_a_case_twin(client, db):
    root = UserFactory(is_superuser=True, is_staff=True)
    UserFactory(email="taken@example.ac.uk")
    member = UserFactory(email="m@example.ac.uk")
    client.force_login(root)
    url = reverse("admin:members_user_change", args=[member.pk])

    twin = client.post(url, _change_form(member, email="TAKEN@example.ac.uk"))
    moved = client.post(url, _change_form(member, email="New@Example.ac.uk"))

    member.refresh_from_db()
    assert twin.context["adminform"].form.errors["email"] == [
        "Another account already uses this email (ignoring case)."
    ]
    assert (moved.status_code, member.email) == (302, "new@example.ac.uk")


def test_committee_cannot_change_roles_on_the_member_page(client, chair, member):
    client.force_login(chair)

    response = client.post(
        reverse("members:member-roles", kwargs={"pk": member.pk}),
        {f"m{member.pk}-roles": [Role.COMMITTEE]},
    )
    page = client.get(reverse("members:member-list"))

    assert (response.status_code, RoleGrant.objects.filter(user=member).count()) == (404, 0)
    assert f'name="m{member.pk}-roles"' not in page.content.decode()


def test_superuser_changes_roles_on_the_member_page(client, root, member):
    client.force_login(root)

    client.post(
        reverse("members:member-roles", kwargs={"pk": member.pk}),
        {f"m{member.pk}-roles": [Role.STUDENT_TEACHER]},
    )

    assert list(member.role_grants.values_list("role", flat=True)) == [Role.STUDENT_TEACHER]


# --- Sign-in addresses: superusers only ------------------------------------------------------


def test_committee_sees_pauses_but_no_sign_in_addresses(client, ada):
    for _ in range(5):
        sign_in(client, "ada@example.ac.uk", "wrong", REMOTE_ADDR="192.0.2.44")
    AccessLog.objects.create(username="ada@example.ac.uk", ip_address="192.0.2.45", user_agent="x")
    chair = committee(is_staff=True)
    client.force_login(chair)

    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))
    searched = client.get(reverse("admin:axes_accessattempt_changelist"), {"q": "192.0.2.44"})
    filtered = client.get(
        reverse("admin:axes_accessattempt_changelist"), {"ip_address": "192.0.2.44"}
    )
    detail = client.get(
        reverse("admin:axes_accessattempt_change", args=[AccessAttempt.objects.get().pk])
    )
    log = client.get(reverse("admin:axes_accesslog_changelist"))

    assert attempts.status_code == detail.status_code == 200
    assert "ada@example.ac.uk" in attempts.content.decode()
    for page in (attempts, detail):
        assert "192.0.2.44" not in page.content.decode()
    assert searched.context["cl"].result_count == 0
    assert filtered.status_code in (302, 400)  # Django refuses the disallowed lookup
    assert log.status_code == 403


def test_superuser_sees_sign_in_addresses(client, ada):
    sign_in(client, "ada@example.ac.uk", "wrong", REMOTE_ADDR="192.0.2.44")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    attempts = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert re.search(r"192\.0\.2\.44", attempts.content.decode())


def test_roster_import_by_the_committee_leaves_a_superuser_alone(db):
    from nearpeer.members.roster import parse_roster
    from nearpeer.members.services import import_roster

    UserFactory(email="root@example.ac.uk", name="Rhea", year=None, is_superuser=True)
    rows, errors = parse_roster(b"email,name,year\nroot@example.ac.uk,Someone Else,1\n")

    plan = import_roster(rows=rows, by=committee())

    assert errors == []
    assert [(r.email, action) for r, action in plan.actions()] == [
        ("root@example.ac.uk", "left alone: only a superuser edits a superuser")
    ]
    assert User.objects.filter(name="Rhea", year=None).exists()
