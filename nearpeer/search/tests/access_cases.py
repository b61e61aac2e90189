from nearpeer.core.tests.access import LOGIN, Access, expect

ALL = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)

CASES = [
    Access("search:results", ALL),
    Access("search:results", ALL, data=lambda w: {"q": "heart", "kind": "resource"}, label="query"),
]
