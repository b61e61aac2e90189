import re
import smtplib
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from nearpeer.members import invitations
from nearpeer.members.models import AccessRequest, Invitation, User
from nearpeer.members.tests.factories import UserFactory

ROSTER = "email,name,year\nnew.one@x.org,New One,1\nnew.two@x.org,New Two,2\n"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the per-address limit on requests for access lives in the cache


def link_in(message) -> str:
    return re.search(r"http://\S+/members/welcome/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.fixture
def newcomer(db):
    return UserFactory(name="Nia New", email="Nia.New@Example.ac.uk", password=None)


def test_send_invitation_emails_a_link_that_sets_the_password_and_signs_in(client, newcomer):
    result = invitations.send_invitations(members=[newcomer], by=None)

    assert result.sent == [newcomer]
    assert [m.to for m in mail.outbox] == [["nia.new@example.ac.uk"]]  # stored normalised (issue 8)
    assert "valid" not in mail.outbox[0].subject
    assert "works for 14 days" in mail.outbox[0].body
    url = path_of(link_in(mail.outbox[0]))
    response = client.post(
        url, {"new_password1": "a-long-pass-phrase-9", "new_password2": "a-long-pass-phrase-9"}
    )
    assert response.status_code == 302 and response.url == reverse("teaching:home")
    newcomer.refresh_from_db()
    assert newcomer.check_password("a-long-pass-phrase-9")
    assert newcomer.invitation.status == "joined"
    assert client.get(reverse("members:profile")).context["member"] == newcomer
    # Once used, the link no longer works.
    assert client.get(url).context["invalid"] == "used"


def test_resent_invitation_replaces_the_old_link(client, newcomer):
    invitations.send_invitations(members=[newcomer], by=None)
    invitations.send_invitations(members=[newcomer], by=None)

    old, new = (path_of(link_in(m)) for m in mail.outbox)
    assert client.get(old).context["invalid"] == "replaced"
    assert client.get(new).context["member"] == newcomer
    assert Invitation.objects.get(member=newcomer).send_count == 2


def test_invitation_link_expires_after_the_configured_days(client, newcomer, settings):
    settings.NEARPEER_INVITATION_DAYS = 3
    invitations.send_invitations(members=[newcomer], by=None)
    url = path_of(link_in(mail.outbox[0]))
    later = timezone.now() + timedelta(days=3, minutes=1)

    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = client.get(url)

    assert response.context["invalid"] == "expired"


def test_members_with_a_password_are_not_invited(member):
    result = invitations.send_invitations(members=[member], by=None)

    assert (result.sent, result.skipped, mail.outbox) == ([], [member], [])


def test_refused_address_is_marked_bounced(newcomer):
    refused = smtplib.SMTPRecipientsRefused({newcomer.email: (550, b"No such user")})
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        result = invitations.send_invitations(members=[newcomer], by=None)

    invitation = Invitation.objects.get(member=newcomer)
    assert result.bounced == [(newcomer, "550 No such user")]
    assert (invitation.status, invitation.bounce_reason) == ("bounced", "550 No such user")


def test_roster_upload_invites_new_members_and_list_shows_status(
    client, chair, django_capture_on_commit_callbacks
):
    client.force_login(chair)
    upload = SimpleUploadedFile("r.csv", ROSTER.encode(), content_type="text/csv")
    preview = client.post(reverse("members:roster-import"), {"file": upload})
    digest = preview.context["digest"]

    with django_capture_on_commit_callbacks(execute=True):  # the background job runs here
        client.post(reverse("members:roster-confirm"), {"digest": digest, "invite": "1"})

    assert sorted(m.to[0] for m in mail.outbox) == ["new.one@x.org", "new.two@x.org"]
    page = client.get(reverse("members:member-list"), {"q": "New"}).content.decode()
    assert page.count(">Invited</span>") == 2
    assert page.count("Resend invitation") == 2


def test_resend_from_the_members_page(client, chair, newcomer):
    client.force_login(chair)

    response = client.post(reverse("members:member-invite", args=[newcomer.pk]), {"query": "q=Nia"})

    assert response.url == reverse("members:member-list") + "?q=Nia"
    assert [m.to for m in mail.outbox] == [[newcomer.email]]


def test_cli_import_with_invite_and_bounced(tmp_path, db):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    out = StringIO()

    call_command("members", "import", str(path), "--invite", stdout=out)
    call_command("members", "bounced", "NEW.ONE@x.org", "--reason", "mailbox full", stdout=out)

    assert out.getvalue().splitlines() == [
        "Imported 2 row(s): 2 new, 0 updated, 0 unchanged.",
        "Invitations: 2 sent, 0 refused by the mail server, 0 skipped (already have a password "
        "or inactive).",
        "1 invitation(s) marked bounced.",
    ]
    bounced = Invitation.objects.get(member__email="new.one@x.org")
    assert (bounced.status, bounced.bounce_reason) == ("bounced", "mailbox full")


def test_request_access_then_committee_approves(client, chair):
    response = client.post(
        reverse("members:access-request-create"),
        {"name": "Rhi Request", "email": "Rhi@Example.ac.uk", "year": "1", "message": "Fresher"},
    )
    assert response.url == reverse("members:access-request-sent")
    request = AccessRequest.objects.get()
    assert (request.email, request.status) == ("rhi@example.ac.uk", "pending")

    client.force_login(chair)
    listed = client.get(reverse("members:access-request-list"))
    assert listed.context["waiting"] == [request]
    client.post(reverse("members:access-request-decide", args=[request.pk]), {"action": "approve"})

    request.refresh_from_db()
    member = User.objects.get(email="rhi@example.ac.uk")
    assert (request.status, request.decided_by, member.year) == ("approved", chair, 1)
    assert [m.to for m in mail.outbox] == [["rhi@example.ac.uk"]]
    # Deciding twice changes nothing.
    client.post(reverse("members:access-request-decide", args=[request.pk]), {"action": "decline"})
    request.refresh_from_db()
    assert request.status == "approved"


def test_request_from_a_member_or_a_repeat_is_not_stored_and_looks_the_same(client, member):
    data = {"name": "Someone", "email": member.email.upper(), "year": ""}
    first = client.post(reverse("members:access-request-create"), data)
    data["email"] = "fresh@example.ac.uk"
    client.post(reverse("members:access-request-create"), data)
    again = client.post(reverse("members:access-request-create"), data)

    assert first.url == again.url == reverse("members:access-request-sent")
    assert list(AccessRequest.objects.values_list("email", flat=True)) == ["fresh@example.ac.uk"]


def test_request_access_is_rate_limited_per_address(client, db):
    for i in range(5):
        client.post(
            reverse("members:access-request-create"),
            {"name": "N", "email": f"p{i}@example.ac.uk", "year": ""},
        )

    response = client.post(
        reverse("members:access-request-create"),
        {"name": "N", "email": "p9@example.ac.uk", "year": ""},
    )

    assert "Too many requests" in response.content.decode()
    assert AccessRequest.objects.count() == 5


def test_request_access_names_the_bad_field(client, db):
    response = client.post(
        reverse("members:access-request-create"), {"name": " ", "email": "nope", "year": "9"}
    )

    assert set(response.context["form"].errors) == {"name", "email", "year"}
