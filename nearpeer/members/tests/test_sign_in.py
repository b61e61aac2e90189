import pytest
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory

URL = "/members/sign-in/"


@pytest.fixture
def ada(db):
    return UserFactory(email="ada@example.ac.uk", password="right-horse-battery")


def attempt(client, password: str, ip: str, email: str = "ada@example.ac.uk"):
    return client.post(URL, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_with_email_and_password(client, ada):
    response = attempt(client, "right-horse-battery", "10.0.0.1")

    assert (response.status_code, response["Location"]) == (302, reverse("teaching:home"))
    assert int(client.session["_auth_user_id"]) == ada.pk


def test_sign_in_email_is_case_insensitive(client, ada):
    response = attempt(client, "right-horse-battery", "10.0.0.1", email="ADA@Example.ac.uk")

    assert int(client.session["_auth_user_id"]) == ada.pk
    assert response.status_code == 302


def test_wrong_password_shows_form_error(client, ada):
    response = attempt(client, "wrong", "10.0.0.1")

    assert response.context["form"].non_field_errors() == [
        "Please enter a correct email and password. Note that both fields may be case-sensitive."
    ]


def test_five_failures_lock_that_account_and_address_only(client, ada):
    for _ in range(5):
        attempt(client, "wrong", "10.0.0.9")

    locked = attempt(client, "right-horse-battery", "10.0.0.9")
    assert (locked.status_code, "Too many sign-in attempts" in locked.content.decode()) == (
        429,
        True,
    )
    assert "_auth_user_id" not in client.session

    # The owner, elsewhere, still signs in: the attacker cannot lock them out.
    elsewhere = attempt(client, "right-horse-battery", "10.0.0.10")
    assert (elsewhere.status_code, int(client.session["_auth_user_id"])) == (302, ada.pk)


def test_failures_against_other_accounts_do_not_lock_this_one(client, ada):
    for i in range(6):
        attempt(client, "wrong", "10.0.0.9", email=f"someone{i}@example.ac.uk")

    response = attempt(client, "right-horse-battery", "10.0.0.9")

    assert (response.status_code, int(client.session["_auth_user_id"])) == (302, ada.pk)
