from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from nearpeer.members.models import Phase, Role

from .models import Code, Question, Survey, ValueStatement
from .parsing import KINDS, PARSERS
from .services import parse_groups
from .stats import GroupSpec

MAX_UPLOAD = 10 * 1024 * 1024
YEAR_CHOICES = [(y, f"Year {y}") for y in range(1, 7)]


class SurveyForm(forms.ModelForm):
    audience_years = forms.TypedMultipleChoiceField(
        choices=YEAR_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for every year.",
    )
    audience_phase = forms.ChoiceField(
        choices=[("", "Any phase"), *Phase.choices],
        required=False,
        help_text="Phase: pre-clinical or clinical, worked out from each member's year of study.",
    )
    audience_role = forms.ChoiceField(choices=[("", "Any member"), *Role.choices], required=False)

    class Meta:
        model = Survey
        fields = [
            "title",
            "slug",
            "information_sheet",
            "consent_statement",
            "audience_phase",
            "audience_role",
            "opens_at",
            "closes_at",
            "interview_signup",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "information_sheet": forms.Textarea(attrs={"rows": 6, "maxlength": 20000}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_years"].initial = self.instance.audience_years
        self.fields["slug"].required = False
        self.fields[
            "slug"
        ].help_text = (
            "The survey's short name in its links; leave empty to make one from the title."
        )

    def clean_information_sheet(self):
        text = self.cleaned_data["information_sheet"]
        if len(text) > 20000:
            raise ValidationError("Keep the information sheet under 20,000 characters.")
        return text

    def clean(self):
        data = super().clean()
        if not data.get("slug") and data.get("title"):
            base = slugify(data["title"])[:40] or "survey"
            slug, n = base, 2
            while Survey.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
                slug, n = f"{base}-{n}", n + 1
            data["slug"] = slug
            self.errors.pop("slug", None)
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", "The survey must close after it opens.")
        return data

    def save(self, commit=True):
        self.instance.audience_years = self.cleaned_data.get("audience_years") or []
        return super().save(commit)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=Question.Kind.choices, label="Type")
    text = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Question"
    )
    options = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Options (one per line; single and multiple choice only)",
    )
    required = forms.BooleanField(required=False)

    def clean_options(self):
        return [
            line.strip()[:200] for line in self.cleaned_data["options"].splitlines() if line.strip()
        ]


def answer_form_class(survey: Survey) -> type[forms.Form]:
    """A form with one field per question, named q<pk>."""
    fields = {}
    if survey.consent_statement:
        fields["consent"] = forms.BooleanField(label=survey.consent_statement, required=True)
    for q in survey.questions.all():
        label = f"{q.qid}. {q.text}"
        if q.kind == Question.Kind.TEXT:
            field = forms.CharField(
                label=label,
                required=q.required,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        elif q.kind == Question.Kind.MULTI:
            field = forms.MultipleChoiceField(
                label=label,
                required=q.required,
                choices=q.choices,
                widget=forms.CheckboxSelectMultiple,
            )
        else:
            field = forms.ChoiceField(
                label=label, required=q.required, choices=q.choices, widget=forms.RadioSelect
            )
        field.question = q
        fields[f"q{q.pk}"] = field
    return type("SurveyAnswerForm", (forms.Form,), fields)


class InterviewForm(forms.Form):
    availability = forms.CharField(
        max_length=300,
        required=False,
        label="When could you talk? (optional)",
        widget=forms.TextInput(),
    )


class ImportForm(forms.Form):
    file = forms.FileField()
    format = forms.ChoiceField(choices=[(k, k) for k in PARSERS])
    types = forms.CharField(
        required=False,
        max_length=2000,
        label="Type overrides (QID=single|multi|likert|text, one per line)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    keep = forms.CharField(
        required=False,
        max_length=2000,
        label=(
            "Keep a dropped column (one per line: COLUMN=why it is needed). Columns that look "
            "identifying are dropped unless you give a reason here"
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dry_run = forms.BooleanField(required=False, label="Dry run (check only, import nothing)")

    def clean_keep(self):
        return parse_keep(self.cleaned_data["keep"].splitlines())

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise ValidationError("The file is larger than 10 MB.")
        return f

    def clean_types(self):
        return parse_type_overrides(self.cleaned_data["types"].split())


def parse_keep(items: list[str]) -> dict[str, str]:
    """COLUMN=reason lines (the CLI's --keep and the form's field) into {column: reason}."""
    keep = {}
    for item in items:
        if not item.strip():
            continue
        column, sep, reason = item.partition("=")
        if not sep or not column.strip() or not reason.strip():
            raise ValidationError(f"{item!r}: write COLUMN=why it is needed")
        keep[column.strip()] = reason.strip()[:200]
    return keep


def parse_type_overrides(items: list[str]) -> dict[str, str]:
    types = {}
    for item in items:
        qid, sep, kind = item.partition("=")
        if not sep or kind not in KINDS:
            raise ValidationError(f"{item!r}: write QID=single|multi|likert|text")
        types[qid.strip()] = kind
    return types


class GroupsForm(forms.Form):
    groups = forms.CharField(
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Groups, one per line: NAME=QID:VALUE|VALUE (empty for all respondents)",
        help_text="QID is the question's short id shown in the report (Q1, Q2, …). "
        "Example: Clinical=Q1:3|4|5 counts those who answered 3, 4 or 5 to Q1; join "
        "conditions on several questions with &; “All=” is everyone.",
    )
    suppress = forms.BooleanField(
        required=False,
        label="Suppress small cells",
        help_text="Hides each count from 1 up to one below the minimum group size (and one "
        "more count where needed, so a hidden count cannot be worked out by subtracting the "
        "others from the total). Whole groups smaller than the minimum are withheld anyway.",
    )


BUILDER_SLOTS = 3
BUILDER_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTI, Question.Kind.LIKERT)


class GroupBuilderForm(forms.Form):
    """One group chosen from lists: a name and the answers that put a respondent in it. No
    syntax to type; it yields the same GroupSpec as `NAME=QID:VALUE|VALUE&QID:VALUE`."""

    name = forms.CharField(max_length=60, required=False, label="Group name")
    values = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who is in it",
        help_text="Tick answers: a respondent is in the group if they gave one of the ticked "
        "answers to each question you ticked in. Tick nothing for everyone.",
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {q.qid: q for q in questions if q.kind in BUILDER_KINDS}
        self.fields["values"].choices = [
            (
                f"{q.qid}: {q.text[:80]}",
                [(f"{q.qid}:{i}", label) for i, (_, label) in enumerate(q.choices)],
            )
            for q in self.questions.values()
        ]

    def clean(self):
        data = super().clean()
        if data.get("values") and not data.get("name", "").strip():
            self.add_error("name", "Give the group a name.")
        return data

    def conditions(self) -> list[tuple[str, tuple[str, ...]]]:
        """[(qid, (value, …)), …] in question order, from the ticked answers."""
        chosen: dict[str, list[str]] = {}
        for token in self.cleaned_data.get("values", []):
            qid, _, index = token.rpartition(":")
            chosen.setdefault(qid, []).append(self.questions[qid].options[int(index)])
        return [(qid, tuple(chosen[qid])) for qid in self.questions if qid in chosen]

    def as_text(self) -> str:
        parts = [f"{qid}:{'|'.join(values)}" for qid, values in self.conditions()]
        return f"{self.cleaned_data['name'].strip()}={'&'.join(parts)}"


@dataclass
class ReportGroups:
    """The groups a report page asks for, read the same way by the table, its downloads and
    its charts: groups built from the lists first, then any typed in the advanced box (or the
    survey's saved groups when nothing is asked)."""

    form: GroupsForm
    builders: list[GroupBuilderForm]
    groups: list[GroupSpec]
    suppress: bool = False
    built_text: str = ""
    errors: list[str] = field(default_factory=list)


def report_groups(
    params, *, survey: Survey, questions: list[Question] | None = None
) -> ReportGroups:
    """Read the report's groups from a query (`params`: request.GET). Bad input gives no
    groups (all respondents) and a message in `errors`, never an exception."""
    questions = list(survey.questions.all()) if questions is None else questions
    form = GroupsForm(params or None)
    saved = [g.spec_text for g in survey.report_groups.all()]
    lines, suppress = saved, False
    if form.is_valid():
        if form.cleaned_data["groups"].strip():
            lines = form.cleaned_data["groups"].splitlines()
        suppress = form.cleaned_data["suppress"]
    elif saved:
        form = GroupsForm(initial={"groups": "\n".join(saved)})
    builders = [
        GroupBuilderForm(params or None, prefix=f"g{i}", questions=questions)
        for i in range(1, BUILDER_SLOTS + 1)
    ]
    built = [b for b in builders if b.is_bound and b.is_valid() and b.cleaned_data["name"].strip()]
    errors = []
    if any(b.is_bound and not b.is_valid() for b in builders):
        errors.append("A group built from the lists needs a name.")
    try:
        if built:
            typed = form.cleaned_data["groups"] if form.is_valid() else ""
            # As specs, not text: answers may hold | or &.
            groups = [
                GroupSpec(name=b.cleaned_data["name"].strip(), conditions=tuple(b.conditions()))
                for b in built
            ] + parse_groups(typed.splitlines())
            if len({g.name for g in groups}) != len(groups):
                raise ValueError("each group needs a different name")
        else:
            groups = parse_groups(lines)
    except ValueError as exc:
        errors.append(str(exc))
        groups = []
    return ReportGroups(
        form=form,
        builders=builders,
        groups=groups,
        suppress=suppress,
        built_text="\n".join(b.as_text() for b in built),
        errors=errors,
    )


class CodeForm(forms.Form):
    path = forms.CharField(max_length=200, label="New code (Theme/Code)")
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApplyCodeForm(forms.Form):
    unit = forms.CharField(max_length=30, widget=forms.HiddenInput)
    code = forms.ModelChoiceField(queryset=Code.objects.none())
    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    passage = forms.CharField(
        max_length=5000,
        required=False,
        label="Passage (copy the words; empty codes the whole text)",
    )
    memo = forms.CharField(max_length=2000, required=False, label="Memo")

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        # Sorted by theme then name, so a code is where the coder expects it.
        self.fields["code"].queryset = survey.codes.select_related("parent").order_by(
            "parent__name", "name"
        )


class TranscriptForm(forms.Form):
    file = forms.FileField(help_text=".txt, .docx or .vtt (Teams); up to 5 MB")
    title = forms.CharField(max_length=200, required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise ValidationError("The transcript is larger than 5 MB.")
        return f


class UploadForm(forms.Form):
    file = forms.FileField()
    dry_run = forms.BooleanField(required=False, label="Dry run")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise ValidationError("The file is larger than 10 MB.")
        return f


class ValueStatementForm(forms.ModelForm):
    class Meta:
        model = ValueStatement
        fields = ["cycle", "audience", "theme", "quote"]
        widgets = {"quote": forms.Textarea(attrs={"rows": 2, "maxlength": 1000})}

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = survey.codes.filter(parent__isnull=True)
