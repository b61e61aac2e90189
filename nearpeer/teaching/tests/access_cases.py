from nearpeer.core.tests.access import LOGIN, Access, expect

SIGNED_IN = expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)

CASES = [
    Access("teaching:home", SIGNED_IN),  # placeholder: tighten when the view is built
    Access("teaching:timetable", SIGNED_IN),  # placeholder: tighten when the view is built
    Access("teaching:catch-up", SIGNED_IN),  # placeholder: tighten when the view is built
    Access(
        "teaching:session-detail", SIGNED_IN, kwargs=lambda w: {"pk": 999999}
    ),  # placeholder: tighten when the view is built
    Access("teaching:teacher-home", SIGNED_IN),  # placeholder: tighten when the view is built
    Access("teaching:dashboard", SIGNED_IN),  # placeholder: tighten when the view is built
]
