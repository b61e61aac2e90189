from nearpeer.core.tests.access import Access, expect

CASES = [
    Access(
        "core:healthz", expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
    ),
    Access("core:help", expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)),
    Access(
        "core:favicon", expect(anonymous=301, member=301, teacher=301, committee=301, faculty=301)
    ),
    Access(
        "core:apple-touch-icon",
        expect(anonymous=301, member=301, teacher=301, committee=301, faculty=301),
    ),
    Access(
        "core:apple-touch-icon-precomposed",
        expect(anonymous=301, member=301, teacher=301, committee=301, faculty=301),
    ),
]
