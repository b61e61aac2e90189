import re

from django.contrib.auth.hashers import make_password
from django.core import mail
from django.urls import reverse

from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory


def test_imported_member_without_password_chooses_one(client, db):
    newcomer = UserFactory(email="new@example.ac.uk", password=make_password(None))

    client.post(reverse("members:password-reset"), {"email": "NEW@example.ac.uk"})
    link = re.search(r"http://testserver(/members/password-reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "amber-lighthouse-7", "new_password2": "amber-lighthouse-7"},
    )

    newcomer.refresh_from_db()
    assert mail.outbox[0].subject == "Choose your Nearpeer password"
    assert (done["Location"], newcomer.check_password("amber-lighthouse-7")) == (
        reverse("members:password-reset-complete"),
        True,
    )


def test_no_email_for_unknown_or_erased_accounts(client, db):
    UserFactory(email="gone@example.ac.uk", is_active=False)

    for email in ("nobody@example.ac.uk", "gone@example.ac.uk"):
        response = client.post(reverse("members:password-reset"), {"email": email})
        assert response["Location"] == reverse("members:password-reset-done")

    assert mail.outbox == []


def test_bad_link_explains(client, db):
    response = client.get(
        reverse("members:password-reset-confirm", kwargs={"uidb64": "MQ", "token": "nope"})
    )

    assert "This link has expired or was already used." in response.content.decode()
    assert User.objects.count() == 0
