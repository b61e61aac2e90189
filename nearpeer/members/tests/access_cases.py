from nearpeer.core.tests.access import LOGIN, Access, expect

EVERYONE = expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)

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
    Access("members:privacy", EVERYONE),
]
