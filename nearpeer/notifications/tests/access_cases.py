from nearpeer.core.tests.access import LOGIN, Access, expect

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)

CASES = [
    Access("notifications:list", SIGNED_IN),  # placeholder: tighten when the view is built
]
