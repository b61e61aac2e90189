"""The authorization matrix's vocabulary. Each app lists its URLs in `<app>/tests/access_cases.py`:

    CASES = [
        Access("teaching:session-detail", kwargs=lambda w: {"pk": w.session.pk},
               expect=expect(anonymous=LOGIN, member=200, teacher=200, committee=200, faculty=200)),
    ]

    def arrange(world):          # optional: create the objects the cases need
        world.session = SessionFactory(...)

`world` carries one user per role (member, teacher, committee, faculty) plus whatever `arrange`
adds. The matrix test fails when a URL of the project has no case.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

ROLES = ("anonymous", "member", "teacher", "committee", "faculty")
LOGIN = "login"  # expected outcome: redirect to the sign-in page


def expect(**outcomes) -> dict:
    missing = set(ROLES) - set(outcomes)
    if missing:
        raise ValueError(f"expected outcome missing for roles: {sorted(missing)}")
    return outcomes


@dataclass(frozen=True)
class Access:
    url_name: str
    expect: dict
    kwargs: Callable[[SimpleNamespace], dict] = field(default=lambda w: {})
    method: str = "get"
    data: Callable[[SimpleNamespace], dict] = field(default=lambda w: {})
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.url_name}{' ' + self.label if self.label else ''}"
