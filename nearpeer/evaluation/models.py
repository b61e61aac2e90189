import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nearpeer.members.models import Phase, Role, phase_for_year
from nearpeer.teaching.years import format_years, mask_to_years, years_to_mask

from .parsing import LIKERT_LABELS

CONSENSUS = "consensus"  # the coder name of reconciled codes


def random_id() -> int:
    """Primary keys of anonymous rows: random, so row order says nothing about who came when."""
    return secrets.randbits(52) + 1


def coarse_week(day: date | None = None) -> date:
    """Monday of the week: the only date an anonymous response carries."""
    day = day or timezone.localdate()
    return day - timedelta(days=day.weekday())


class SurveyQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now)).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now)
        )


class Survey(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    information_sheet = models.TextField(
        blank=True, help_text="What the survey is for, who sees what, how long it takes."
    )
    consent_statement = models.CharField(
        max_length=500,
        blank=True,
        help_text="If set, respondents must tick this before their answers are accepted.",
    )
    audience_years_mask = models.PositiveSmallIntegerField(
        default=0, help_text="Bitmask of years (bit n = year n); 0 means every year."
    )
    audience_phase = models.CharField(max_length=20, blank=True, choices=Phase.choices)
    audience_role = models.CharField(max_length=32, blank=True, choices=Role.choices)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    interview_signup = models.BooleanField(
        default=False, help_text="Offer a separate, unlinked interview sign-up after answering."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_years(self) -> list[int]:
        return mask_to_years(self.audience_years_mask)

    @audience_years.setter
    def audience_years(self, years) -> None:
        self.audience_years_mask = years_to_mask(years)

    @property
    def audience_label(self) -> str:
        parts = [
            format_years(self.audience_years_mask) if self.audience_years_mask else "All years"
        ]
        if self.audience_phase:
            parts.append(self.get_audience_phase_display())
        if self.audience_role:
            parts.append(self.get_audience_role_display())
        return " · ".join(parts)

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )

    def includes(self, user) -> bool:
        """Is this member in the survey's audience?"""
        if not (user and user.is_authenticated and user.is_active):
            return False
        if self.audience_years_mask and not (
            user.year and self.audience_years_mask & (1 << user.year)
        ):
            return False
        if self.audience_phase and phase_for_year(user.year) != self.audience_phase:
            return False
        return not (self.audience_role and not user.has_role(self.audience_role))

    def audience(self):
        from nearpeer.members.models import User

        users = User.objects.filter(is_active=True)
        if self.audience_years_mask:
            users = users.filter(year__in=self.audience_years)
        if self.audience_phase:
            first = settings.NEARPEER_CLINICAL_FROM_YEAR
            users = users.filter(
                year__gte=first if self.audience_phase == Phase.CLINICAL else 1,
                year__lt=first if self.audience_phase == Phase.PRE_CLINICAL else 99,
            )
        if self.audience_role:
            users = users.filter(role_grants__role=self.audience_role)
        return users


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTI = "multi", "Multiple choice"
        LIKERT = "likert", "Likert (5-point)"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    qid = models.CharField(max_length=50, help_text="Short id used in reports, e.g. Q3.")
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    options = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "qid"], name="unique_qid_per_survey")
        ]

    def __str__(self) -> str:
        return f"{self.qid}: {self.text[:60]}"

    def option_label(self, value: str) -> str:
        if self.kind == self.Kind.LIKERT and value in {"1", "2", "3", "4", "5"}:
            return LIKERT_LABELS[int(value) - 1]
        return value

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(v, self.option_label(v)) for v in self.options]


class Response(models.Model):
    """One anonymous set of answers. No user, session, address or time beyond the week. Native
    responses are written only by the anonymity store's flush (services.write_survey_batch), a
    shuffled batch at a time; "who answered" is the store's keyed-hash marker."""

    id = models.BigAutoField(primary_key=True, default=random_id)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The response id of an imported export."
    )
    week = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"],
                condition=~Q(external_id=""),
                name="unique_external_response_id",
            )
        ]

    @property
    def label(self) -> str:
        return self.external_id or f"N{self.pk}"


class Answer(models.Model):
    """One value: a chosen option (one row per option for multiple choice) or a text."""

    id = models.BigAutoField(primary_key=True, default=random_id)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField()

    class Meta:
        # Covering index: the report reads (question, value, response) without touching the table.
        indexes = [
            models.Index(fields=["question", "value", "response"], name="evaluation_answer_q_v_r")
        ]


class InterviewVolunteer(models.Model):
    """Someone happy to be interviewed. Kept apart from responses: random key, no date (the
    moment someone signs up follows the moment they answered), listed by name only."""

    id = models.BigAutoField(primary_key=True, default=random_id)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="volunteers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    availability = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="one_volunteer_per_survey")
        ]


class Transcript(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="transcripts")
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Speakers already replaced by participant numbers.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class Code(models.Model):
    """A codebook entry; top-level codes are themes, their children the codes under them."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    memo = models.TextField(blank=True)
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        names, code, depth = [], self, 0
        while code is not None and depth < 10:
            names.append(code.name)
            code, depth = code.parent, depth + 1
        return "/".join(reversed(names))


class Coding(models.Model):
    """A code applied by one coder to a passage (start/end offsets) of an answer or transcript."""

    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.CharField(max_length=150)
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="codings"
    )
    transcript = models.ForeignKey(
        Transcript, null=True, blank=True, on_delete=models.CASCADE, related_name="codings"
    )
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    memo = models.TextField(blank=True)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer__isnull=False, transcript__isnull=True)
                | Q(answer__isnull=True, transcript__isnull=False),
                name="coding_on_answer_or_transcript",
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="coding_span"),
        ]

    @property
    def unit_key(self) -> str:
        return f"a{self.answer_id}" if self.answer_id else f"t{self.transcript_id}"


class ValueCycle(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate value"
    POTENTIAL = "potential", "Potential value"
    APPLIED = "applied", "Applied value"
    REALISED = "realised", "Realised value"
    REFRAMING = "reframing", "Reframing value"


class ValueAudience(models.TextChoices):
    ATTENDEES = "attendees", "Attendees"
    TEACHERS = "teachers", "Teachers"


class ValueStatement(models.Model):
    """A theme placed in a value cycle for attendees or teachers, with an example quote."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="value_statements")
    cycle = models.CharField(max_length=20, choices=ValueCycle.choices)
    audience = models.CharField(max_length=20, choices=ValueAudience.choices)
    theme = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="value_statements")
    quote = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["cycle", "audience", "pk"]


class ReportGroup(models.Model):
    """A saved group for the survey's report: a filter on answers, e.g. Q1:1|2."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="report_groups")
    name = models.CharField(max_length=60)
    definition = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "name"], name="unique_group_name_per_survey")
        ]

    @property
    def spec_text(self) -> str:
        return f"{self.name}={self.definition}"


class ShownGroup(models.Model):
    """A set of responses whose figures a report has shown: every group ever shown and every
    "all respondents" population, kept so that no later report can be subtracted from an
    earlier one (stats.grouped_report). Holds anonymous response ids only, and no time."""

    class Kind(models.TextChoices):
        POPULATION = "population", "All respondents"
        GROUP = "group", "Group"

    id = models.BigAutoField(primary_key=True, default=random_id)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="shown_groups")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the sorted response ids.")
    size = models.PositiveIntegerField()
    members = models.JSONField(help_text="Sorted response ids.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "kind", "digest"], name="one_shown_group_per_membership"
            )
        ]
