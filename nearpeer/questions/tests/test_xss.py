"""Script and event-handler payloads in every field a member writes come out inert."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.questions import services
from nearpeer.questions.models import Paper, Status

from .factories import make_question, tag

PAYLOAD = (
    "<script>alert(1)</script><img src=x onerror=alert(2)> [link](javascript:alert(3)) "
    '<a href="javascript:alert(4)" onclick="alert(5)">x</a> <svg onload=alert(6)>'
    '"><b onmouseover=alert(7)>'
)


class ActiveContent(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.found.append("inline script")
        if tag in ("svg", "iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}={value}")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("injected img")


def active(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
def test_payloads_in_every_field_are_inert(client):
    author = UserFactory(name=PAYLOAD[:150])
    question = make_question(
        author=author, title=PAYLOAD[:120], stem=PAYLOAD, explanation=PAYLOAD, references=PAYLOAD,
        options=[{"text": PAYLOAD, "correct": True}, {"text": PAYLOAD + "b", "correct": False},
                 {"text": PAYLOAD + "c", "correct": False}],
        tags=[tag(PAYLOAD[:60])], blind_review=False,
    )  # fmt: skip
    member = UserFactory()
    attempt = services.answer_question(member=member, question=question, selected=[1], confidence=1)
    services.add_comment(question=question, by=member, body=PAYLOAD, kind="practice")
    services.flag_question(question=question, by=member, reason=PAYLOAD)
    submitted = make_question(author=author, status=Status.SUBMITTED, title=PAYLOAD[:120],
                              blind_review=False)  # fmt: skip
    services.add_comment(question=submitted, by=teacher(), body=PAYLOAD)
    boss = committee()
    Paper.objects.create(title=PAYLOAD[:150], created_by=boss, status="open")
    pages = {
        (author, reverse("questions:question-detail", kwargs={"pk": question.pk})),
        (author, reverse("questions:home")),
        (member, reverse("questions:question-practise", kwargs={"pk": question.pk})),
        (member, reverse("questions:attempt-detail", kwargs={"pk": attempt.pk})),
        (boss, reverse("questions:review-list")),
        (boss, reverse("questions:question-detail", kwargs={"pk": submitted.pk})),
        (member, reverse("questions:paper-list")),
        (boss, reverse("questions:paper-create")),
    }
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "alert(" in html, f"payload not shown at all on {url}"
        assert active(html) == [], url


def test_rendering_drops_raw_html_and_javascript_links():
    from nearpeer.questions.rendering import render_markdown

    html = render_markdown(PAYLOAD)
    assert active(html) == []
    assert "<script" not in html
