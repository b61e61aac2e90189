"""Demo evaluation: a closed end-of-year survey with synthetic answers, some coded by two coders,
a value-creation table, and an open survey for the demo member (year 2)."""

from datetime import timedelta

from django.utils import timezone

from nearpeer.members.models import User

from . import services
from .models import Answer, Response, Survey, ValueStatement, coarse_week

# (phrase, code path) — short, invented comments of the kind members write.
GAINS = [
    (
        "Practising questions every week made me calmer before the exams.",
        "Confidence/Exam technique",
    ),
    ("The case walkthroughs showed me how to think on the ward.", "Confidence/Clinical reasoning"),
    ("I could watch the recordings after a late placement day.", "Flexibility/Recordings"),
    (
        "Going back over a recording the night before was what worked for me.",
        "Flexibility/Recordings",
    ),
    (
        "Evening sessions clashed with my job, so recordings were the only way in.",
        "Flexibility/Evening timing",
    ),
    ("It felt good to learn from people who sat the same exams last year.", "Community/Belonging"),
    ("Teaching the younger years made me revise the basics properly.", "Community/Giving back"),
    ("I want to teach next year because someone did it for me.", "Community/Giving back"),
]
CHANGES = [
    ("More sessions earlier in the term, please.", "Flexibility/Evening timing"),
    ("Keep the slides up for longer after each session.", "Flexibility/Recordings"),
    ("A few more mock exams near the end of the year.", "Confidence/Exam technique"),
    ("Small groups were better than the big online lectures.", "Community/Belonging"),
]


def _person(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def seed(*, rng, stdout) -> None:
    if Survey.objects.filter(slug="end-of-year-2026").exists():
        return
    now = timezone.now()
    lead = _person("lead@demo.nearpeer.org")
    survey = Survey.objects.create(
        title="End-of-year evaluation 2026",
        slug="end-of-year-2026",
        information_sheet=(
            "This survey asks what the society's teaching did for you this year. It takes about "
            "five minutes. Your answers are stored without your name; results are shown only for "
            "groups of five or more."
        ),
        consent_statement="I have read the information above and agree to take part.",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
        interview_signup=True,
        created_by=lead,
    )
    q_year = services.add_question(
        survey=survey,
        kind="single",
        text="Which year are you in?",
        options=[str(y) for y in range(1, 7)],
    )
    q_teach = services.add_question(
        survey=survey,
        kind="single",
        text="Did you teach for the society this year?",
        options=["Yes", "No"],
    )
    q_conf = services.add_question(
        survey=survey,
        kind="likert",
        text="The society's teaching made me more confident about exams.",
        options=[],
    )
    q_rec = services.add_question(
        survey=survey,
        kind="likert",
        text="Recordings let me keep up when I could not attend.",
        options=[],
    )
    q_comm = services.add_question(
        survey=survey,
        kind="likert",
        text="I feel part of a community of learners here.",
        options=[],
    )
    q_used = services.add_question(
        survey=survey,
        kind="multi",
        text="What did you use this year?",
        options=["Live sessions", "Recordings", "Question bank", "Tutorials"],
    )
    q_gain = services.add_question(
        survey=survey,
        kind="text",
        text="What difference has the society made to your year?",
        options=[],
    )
    q_change = services.add_question(
        survey=survey, kind="text", text="What should we change?", options=[]
    )

    week = coarse_week(timezone.localdate() - timedelta(days=45))
    codes = {}
    pending_codes = []
    for _ in range(120):
        year = rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6])
        teaches = year >= 4 and rng.random() < 0.45
        response = Response.objects.create(survey=survey, week=week)
        shift = 1 if teaches else 0
        values = [
            (q_year, str(year)),
            (q_teach, "Yes" if teaches else "No"),
            (q_conf, str(min(5, max(1, round(rng.gauss(3.7 + shift * 0.3, 0.9)))))),
            (q_rec, str(min(5, max(1, round(rng.gauss(4.1 if year <= 2 else 3.6, 0.9)))))),
            (q_comm, str(min(5, max(1, round(rng.gauss(3.4 + shift, 1.0)))))),
        ]
        values += [(q_used, option) for option in q_used.options if rng.random() < 0.55]
        answers = [Answer(response=response, question=q, value=v) for q, v in values]
        if rng.random() < 0.6:
            phrase, path = rng.choice(GAINS[6:] if teaches else GAINS[:6])
            answers.append(Answer(response=response, question=q_gain, value=phrase))
            pending_codes.append((answers[-1], path))
        if rng.random() < 0.3:
            phrase, path = rng.choice(CHANGES)
            answers.append(Answer(response=response, question=q_change, value=phrase))
            pending_codes.append((answers[-1], path))
        Answer.objects.bulk_create(answers)
    coders = ["lead@demo.nearpeer.org", "committee@demo.nearpeer.org"]
    for answer, path in pending_codes[:40]:
        if path not in codes:
            codes[path] = services.get_or_create_code_path(survey=survey, path=path)
        services.apply_code(code=codes[path], coder=coders[0], answer=answer)
        # The second coder mostly agrees; now and then they pick a sibling code or none.
        roll = rng.random()
        if roll < 0.8:
            services.apply_code(code=codes[path], coder=coders[1], answer=answer)
        elif roll < 0.9:
            other = rng.choice([p for p in codes if p != path] or [path])
            services.apply_code(code=codes[other], coder=coders[1], answer=answer)
    for position, (name, definition) in enumerate(
        [("Pre-clinical", "Q1:1|2"), ("Clinical", "Q1:3|4|5|6"), ("Teachers", "Q2:Yes")]
    ):
        survey.report_groups.create(name=name, definition=definition, position=position)
    themes = {c.name: c for c in survey.codes.filter(parent__isnull=True)}
    for cycle, audience, theme, quote in [
        ("immediate", "attendees", "Community", GAINS[5][0]),
        ("potential", "attendees", "Confidence", GAINS[0][0]),
        ("applied", "attendees", "Confidence", GAINS[1][0]),
        ("immediate", "attendees", "Flexibility", GAINS[2][0]),
        ("realised", "teachers", "Community", GAINS[6][0]),
        ("reframing", "teachers", "Community", GAINS[7][0]),
    ]:
        if theme in themes:
            ValueStatement.objects.create(
                survey=survey, cycle=cycle, audience=audience, theme=themes[theme], quote=quote
            )

    open_survey = Survey.objects.create(
        title="Spring lecture series feedback",
        slug="spring-series-2026",
        information_sheet="Three quick questions about the spring lectures. Anonymous.",
        audience_years_mask=1 << 2,
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=12),
        created_by=lead,
    )
    services.add_question(
        survey=open_survey,
        kind="likert",
        text="The spring lectures were pitched at the right level.",
        options=[],
    )
    services.add_question(
        survey=open_survey,
        kind="single",
        text="How did you mostly follow the series?",
        options=["Live", "Recordings", "Both"],
    )
    services.add_question(
        survey=open_survey, kind="text", text="One thing to keep, one to change:", options=[]
    )
    stdout.write(f"evaluation: 2 surveys, 120 responses, {len(pending_codes[:40])} coded answers")
