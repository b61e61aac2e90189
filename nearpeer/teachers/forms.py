import re

from django import forms
from django.core.validators import MaxLengthValidator

from nearpeer.members.models import Role, User
from nearpeer.teaching.models import Session

from .models import Call, Observation

MAX_LINES = 20
MAX_LINE = 300


def _limit(field: forms.Field, n: int) -> None:
    """A length limit on a model form field whose column is unbounded (TextField)."""
    field.max_length = n
    field.validators.append(MaxLengthValidator(n))
    field.widget.attrs["maxlength"] = str(n)


def _lines(text: str, field: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise forms.ValidationError(f"{field}: at most {MAX_LINES} lines.")
    for n, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            raise forms.ValidationError(f"{field}, line {n}: at most {MAX_LINE} characters.")
    if len(set(lines)) != len(lines):
        raise forms.ValidationError(f"{field}: each line must be different.")
    return lines


class CallForm(forms.ModelForm):
    questions_text = forms.CharField(
        label="Questions for applicants",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One question per line.",
    )
    categories_text = forms.CharField(
        label="Review categories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line; reviewers score each from 1 to 5. Empty: the default three.",
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Student-teachers and committee members who score applications.",
    )

    class Meta:
        model = Call
        fields = [
            "title",
            "kind",
            "description",
            "series",
            "closes_at",
            "status",
            "blind_review",
            "interview_step",
            "training_required",
            "reviewers",
        ]
        widgets = {
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = (
            User.objects.filter(
                role_grants__role__in=[Role.STUDENT_TEACHER, Role.COMMITTEE], is_active=True
            )
            .distinct()
            .order_by("name")
        )
        _limit(self.fields["description"], 5000)
        if self.instance.pk:
            self.fields["questions_text"].initial = "\n".join(self.instance.questions)
            self.fields["categories_text"].initial = "\n".join(self.instance.review_categories)

    def clean_questions_text(self):
        return _lines(self.cleaned_data["questions_text"], "Questions for applicants")

    def clean_categories_text(self):
        return _lines(self.cleaned_data["categories_text"], "Review categories")

    def save(self, commit=True):
        self.instance.questions = self.cleaned_data["questions_text"]
        self.instance.review_categories = self.cleaned_data["categories_text"]
        return super().save(commit)


class ApplicationForm(forms.Form):
    topics = forms.CharField(
        label="Topics you would like to teach",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    availability = forms.CharField(
        label="When you are available",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e.g. Tuesday and Thursday evenings; not in the exam weeks.",
    )
    wants_co_teacher = forms.BooleanField(
        label="I would like to teach with an experienced co-teacher", required=False
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        for n, question in enumerate(call.questions):
            self.fields[f"q{n}"] = forms.CharField(
                label=question, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
            )

    def answers(self) -> dict[str, str]:
        return {q: self.cleaned_data[f"q{n}"] for n, q in enumerate(self.call.questions)}


SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the committee",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, categories: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        for n, category in enumerate(categories):
            self.fields[f"c{n}"] = forms.TypedChoiceField(
                label=f"{category} (1 = weak, 5 = excellent)",
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.order_fields([f"c{n}" for n in range(len(categories))] + ["comment"])

    def scores(self) -> dict[str, int]:
        return {c: self.cleaned_data[f"c{n}"] for n, c in enumerate(self.categories)}


class BulkDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", "Accept"),
            ("decline", "Decline"),
            ("interview", "Invite to interview"),
            ("message", "Only send the message"),
        ]
    )
    message = forms.CharField(
        label="Message to the selected applicants",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    applications = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, application_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [(i, str(i)) for i in application_ids]
        self.fields["applications"].error_messages["required"] = (
            "Applications: select at least one."
        )


class AssignmentForm(forms.Form):
    session = forms.ModelChoiceField(queryset=Session.objects.none())

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


_QUESTION_LINE = re.compile(r"^(rating|text)\s*:\s*(.+)$", re.I)


class TemplateForm(forms.Form):
    questions = forms.CharField(
        label="Questions",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "One per line, starting with “rating:” (1–5 scale) or “text:” (free text), "
            "e.g. “rating: How clear was the teaching?”."
        ),
    )

    def clean_questions(self):
        lines = _lines(self.cleaned_data["questions"], "Questions")
        out = []
        for n, line in enumerate(lines, start=1):
            match = _QUESTION_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    f"Line {n} (“{line[:40]}”): start with “rating:” or “text:”."
                )
            out.append({"key": f"q{n}", "label": match[2].strip(), "type": match[1].lower()})
        if not any(q["type"] == "rating" for q in out):
            raise forms.ValidationError("Include at least one rating question.")
        return out


RATING_CHOICES = [
    ("1", "1 – poor"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 – excellent"),
]


class FeedbackForm(forms.Form):
    def __init__(self, *args, questions: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for q in questions:
            if q["type"] == "rating":
                self.fields[q["key"]] = forms.ChoiceField(
                    label=q["label"],
                    choices=RATING_CHOICES,
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[q["key"]] = forms.CharField(
                    label=q["label"],
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )


class ObserverInviteForm(forms.Form):
    observer = forms.ModelChoiceField(queryset=User.objects.none(), label="Observer")

    def __init__(self, *args, teacher: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["observer"].queryset = (
            User.objects.filter(role_grants__role=Role.STUDENT_TEACHER, is_active=True)
            .exclude(pk=teacher.pk)
            .distinct()
            .order_by("name")
        )


class ObservationForm(forms.ModelForm):
    overall = forms.TypedChoiceField(
        label="Overall (1 = needs work, 5 = excellent)",
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Observation
        fields = ["strengths", "suggestions", "overall"]
        widgets = {
            "strengths": forms.Textarea(attrs={"rows": 4}),
            "suggestions": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"strengths": "What went well", "suggestions": "Suggestions"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["strengths"], 3000)
        _limit(self.fields["suggestions"], 3000)
        self.fields["strengths"].required = True


class TermCertificateForm(forms.Form):
    term = forms.CharField(max_length=40, help_text="e.g. autumn-2026", label="Term")


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Reason")
