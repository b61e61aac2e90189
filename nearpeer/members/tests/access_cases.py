from nearpeer.core.tests.access import LOGIN, Access, expect

EVERYONE = expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)
COMMITTEE = expect(anonymous=LOGIN, member=404, teacher=404, committee=200, faculty=404)
COMMITTEE_POST = expect(anonymous=LOGIN, member=404, teacher=404, committee=302, faculty=404)


def other(w) -> dict:
    return {"pk": w.other_member.pk}


CASES = [
    # Signed-in users are sent on from the sign-in page.
    Access(
        "members:login", expect(anonymous=200, member=302, teacher=302, committee=302, faculty=302)
    ),
    Access(
        "members:logout",
        expect(anonymous=302, member=302, teacher=302, committee=302, faculty=302),
        method="post",
    ),
    Access("members:profile", SIGNED_IN),
    Access(
        "members:profile",
        expect(anonymous=LOGIN, member=302, teacher=302, committee=302, faculty=302),
        method="post",
        data=lambda w: {"name": "Renamed", "year": "3"},
    ),
    Access("members:password-change", SIGNED_IN),
    Access("members:year-request", SIGNED_IN),
    Access(
        "members:year-request",
        expect(anonymous=LOGIN, member=302, teacher=302, committee=302, faculty=302),
        method="post",
        data=lambda w: {"year": "1", "reason": "repeating"},
    ),
    Access("members:year-request-list", COMMITTEE),
    Access(
        "members:year-request-decide",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.year_request.pk},
        method="post",
        data=lambda w: {"decision": "approve"},
    ),
    Access("members:data-export", SIGNED_IN),
    Access("members:privacy", EVERYONE),
    Access("members:password-reset", EVERYONE),
    Access(
        "members:password-reset",
        expect(anonymous=302, member=302, teacher=302, committee=302, faculty=302),
        method="post",
        data=lambda w: {"email": "member@example.ac.uk"},
    ),
    Access("members:password-reset-done", EVERYONE),
    # An invalid token shows the "expired" page, for everyone.
    Access(
        "members:password-reset-confirm",
        EVERYONE,
        kwargs=lambda w: {"uidb64": "MQ", "token": "invalid"},
    ),
    Access("members:password-reset-complete", EVERYONE),
    Access("members:member-list", COMMITTEE),
    # Only a superuser changes another person's roles: to the committee the URL is no page.
    Access(
        "members:member-roles",
        expect(anonymous=LOGIN, member=404, teacher=404, committee=404, faculty=404),
        kwargs=other,
        method="post",
        data=lambda w: {f"m{w.other_member.pk}-roles": ["student_teacher"]},
    ),
    Access("members:member-erase", COMMITTEE, kwargs=other),
    Access("members:member-erase", COMMITTEE_POST, kwargs=other, method="post"),
    Access("members:roster-import", COMMITTEE),
    # A POST without a file shows the form again with the error.
    Access("members:roster-import", COMMITTEE, method="post"),
    Access("members:roster-confirm", COMMITTEE_POST, method="post"),
]

PUBLIC_ONLY = expect(anonymous=200, member=302, teacher=302, committee=302, faculty=302)
NOT_CONFIGURED = expect(anonymous=404, member=404, teacher=404, committee=404, faculty=404)

CASES += [
    # An invalid invitation link shows the "no longer works" page, for everyone.
    Access("members:invitation-accept", EVERYONE, kwargs=lambda w: {"token": "invalid"}),
    Access("members:member-invite", COMMITTEE_POST, kwargs=other, method="post"),
    Access("members:access-request-create", PUBLIC_ONLY),
    Access(
        "members:access-request-create",
        expect(anonymous=302, member=302, teacher=302, committee=302, faculty=302),
        method="post",
        data=lambda w: {"name": "New Person", "email": "new.person@example.ac.uk", "year": "1"},
    ),
    Access("members:access-request-sent", EVERYONE),
    Access("members:access-request-list", COMMITTEE),
    Access(
        "members:access-request-decide",
        COMMITTEE_POST,
        kwargs=lambda w: {"pk": w.access_request.pk},
        method="post",
        data=lambda w: {"action": "decline"},
    ),
    # University sign-in is off unless configured (tests/test_oidc.py turns it on).
    Access("members:oidc-sign-in", NOT_CONFIGURED),
    Access("members:oidc-callback", NOT_CONFIGURED),
]


def arrange(w) -> None:
    from nearpeer.members.models import AccessRequest, YearChangeRequest

    w.year_request = YearChangeRequest.objects.create(member=w.other_member, year=3)
    w.access_request = AccessRequest.objects.create(email="asks@example.ac.uk", name="Asks")
