from nearpeer.core.tests.access import Access, expect

CASES = [
    Access(
        "core:healthz", expect(anonymous=200, member=200, teacher=200, committee=200, faculty=200)
    ),
]
