from django import forms
from django.core.exceptions import ValidationError

from nearpeer.core.images import image_upload_problem
from nearpeer.teaching.years import ALL_YEARS, mask_to_years

from . import formats, scoring
from .models import ImportFormat, QuestionType, Tag, TagKind
from .services import EXPORT_FORMATS, EXPORT_MAX_QUESTIONS, Confidence

LETTERS = "ABCDEFGH"
LETTERS_ALL = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
YEAR_CHOICES = [(y, f"Year {y}") for y in ALL_YEARS]


def _tag_field(kind: str, label: str, required: bool = False):
    return forms.ModelMultipleChoiceField(
        queryset=Tag.objects.filter(kind=kind),
        required=required,
        label=label,
        widget=forms.CheckboxSelectMultiple,
    )


class QuestionForm(forms.Form):
    title = forms.CharField(max_length=120, help_text="A short name reviewers will recognise.")
    qtype = forms.ChoiceField(
        label="Type", choices=QuestionType.choices, initial=QuestionType.SINGLE_BEST
    )
    stem = forms.CharField(
        max_length=formats.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The vignette and the question. Markdown allowed.",
    )
    explanation = forms.CharField(
        max_length=formats.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why the key is right and the others are not. Markdown allowed.",
    )
    references = forms.CharField(
        max_length=5_000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    image = forms.FileField(
        required=False, help_text="PNG, JPEG, GIF or WebP, at most 2 MB (checked by content)."
    )
    image_alt = forms.CharField(
        label="Image description", max_length=300, required=False,
        help_text="Describe the image for screen-reader users (required with an image).",
    )  # fmt: skip
    answers = forms.CharField(
        label="Answers (true/false, extended matching, short answer, numerical)",
        required=False, max_length=5_000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "True/false: True or False. Extended matching: the options above are the one list; "
            "one stem a line, then => and its letter (A 45-year-old… => C). Short answer: one "
            "accepted answer a line (* is a wildcard; 50% text for half marks). Numerical: "
            "5.2 +- 0.1 a line, and units as unit: mmol/L = 1."
        ),
    )  # fmt: skip
    years = forms.TypedMultipleChoiceField(
        choices=YEAR_CHOICES, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Years of study",
    )  # fmt: skip
    blind_review = forms.BooleanField(
        required=False, initial=True, label="Blind review: reviewers don't see my name"
    )

    def __init__(self, *args, version=None, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"] = _tag_field(TagKind.SPECIALTY, "Specialty", required=True)
        self.fields["system"] = _tag_field(TagKind.SYSTEM, "System")
        self.fields["exam"] = _tag_field(TagKind.EXAM, "Exam")
        for i, letter in enumerate(LETTERS):
            self.fields[f"option_{i}"] = forms.CharField(
                label=f"Option {letter}", max_length=1_000, required=False
            )
            self.fields[f"correct_{i}"] = forms.BooleanField(
                label=f"Option {letter} is correct", required=False
            )
        self.version = version
        if version is not None:
            if version.qtype == scoring.TRUEFALSE:
                self.initial["answers"] = "True" if version.options[0]["correct"] else "False"
            else:
                self.initial["answers"] = scoring.answer_lines(
                    version.qtype, version.options, version.details or {}
                )
            self.initial.update(
                title=version.title, qtype=version.qtype, stem=version.stem,
                explanation=version.explanation, references=version.references,
                image_alt=version.image_alt,
            )  # fmt: skip
            if version.qtype not in (scoring.TRUEFALSE, scoring.SHORT, scoring.NUMERICAL):
                for i, option in enumerate(version.options[: len(LETTERS)]):
                    self.initial[f"option_{i}"] = option["text"]
                    self.initial[f"correct_{i}"] = option["correct"]
        if question is not None:
            tags = list(question.tags.all())
            for kind in TagKind.values:
                self.initial[kind] = [t.pk for t in tags if t.kind == kind]
            self.initial["years"] = mask_to_years(question.year_mask)
            self.initial["blind_review"] = question.blind_review

    def option_rows(self):
        return [(self[f"option_{i}"], self[f"correct_{i}"]) for i in range(len(LETTERS))]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        problem = image_upload_problem(upload)
        if problem:
            raise ValidationError(problem)
        return upload

    def clean(self):
        data = super().clean()
        options = []
        for i in range(len(LETTERS)):
            text = (data.get(f"option_{i}") or "").strip()
            if text:
                options.append({"text": text, "correct": bool(data.get(f"correct_{i}"))})
            elif data.get(f"correct_{i}"):
                self.add_error(f"option_{i}", "An option marked correct needs text.")
        qtype = data.get("qtype")
        details: dict = {}
        answers = data.get("answers") or ""
        if qtype == scoring.TRUEFALSE:
            key = answers.strip().lower()
            if key not in ("true", "false"):
                self.add_error("answers", "Write True or False: the right answer.")
            options = [
                {"text": "True", "correct": key == "true"},
                {"text": "False", "correct": key == "false"},
            ]
        elif qtype in (scoring.EMQ, scoring.SHORT, scoring.NUMERICAL):
            if qtype != scoring.EMQ:
                options = []
            else:
                for option in options:
                    option["correct"] = False
            details, problems = scoring.parse_lines(qtype, answers, len(options))
            for problem in problems:
                self.add_error("answers", problem.capitalize() + ".")
        options = self._keep_option_extras(options)
        if self.version is not None:
            # Feedback and hints from an import are kept through an edit.
            for name in ("feedback", "hints"):
                if (self.version.details or {}).get(name):
                    details[name] = self.version.details[name]
        data["options"] = options
        data["details"] = details
        if "stem" in data and "qtype" in data:
            check = formats.QuestionData(
                stem=data["stem"],
                options=[(o["text"], o["correct"]) for o in options],
                option_meta=[{k: o[k] for k in ("credit", "feedback") if k in o} for o in options],
                qtype=data["qtype"],
                details=details,
            )
            for message in formats.check_question(check):
                self.add_error(None, message.capitalize() + ".")
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", "Describe the image.")
        return data

    def _keep_option_extras(self, options: list[dict]) -> list[dict]:
        """Per-option feedback (and credit, while the key is unchanged) survive an edit."""
        if self.version is None:
            return options
        before = {o["text"]: o for o in self.version.options}
        for option in options:
            old = before.get(option["text"])
            if old is None:
                continue
            if old.get("feedback"):
                option["feedback"] = old["feedback"]
            if "credit" in old and old["correct"] == option["correct"]:
                option["credit"] = old["credit"]
        return options

    def content(self) -> dict:
        data = self.cleaned_data
        content = {
            name: data[name]
            for name in ("title", "qtype", "stem", "explanation", "references", "image_alt")
        }
        content["options"] = data["options"]
        content["details"] = data["details"]
        if data.get("image"):
            content["image"] = data["image"]
            content["image_type"] = data["image"].content_type_checked
        return content

    def tags(self) -> list[Tag]:
        return [*self.cleaned_data["specialty"], *self.cleaned_data["system"],
                *self.cleaned_data["exam"]]  # fmt: skip


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30, widget=forms.HiddenInput)
    comment = forms.CharField(
        max_length=4_000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment for the author",
    )  # fmt: skip


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=4_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FlagForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong?", max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FlagReplyForm(forms.Form):
    reply = forms.CharField(
        label="Reply to the member who reported it", max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class AnswerForm(forms.Form):
    confidence = forms.TypedChoiceField(
        label="How sure were you?", choices=Confidence.CHOICES, coerce=int,
        widget=forms.RadioSelect, initial=Confidence.FAIRLY_SURE,
    )  # fmt: skip

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        choices = [
            (str(i), f"{LETTERS_ALL[i]}. {o['text']}") for i, o in enumerate(version.options)
        ]
        if version.qtype in (scoring.SINGLE, scoring.TRUEFALSE):
            self.fields["answer"] = forms.ChoiceField(
                label="Your answer", choices=choices, widget=forms.RadioSelect
            )
        elif version.qtype == scoring.MULTIPLE:
            self.fields["answer"] = forms.MultipleChoiceField(
                label="Your answer (choose all that apply)", choices=choices,
                widget=forms.CheckboxSelectMultiple,
            )  # fmt: skip
        elif version.qtype == scoring.EMQ:
            for n, _ in enumerate((version.details or {}).get("stems", [])):
                self.fields[f"stem-{n}"] = forms.TypedChoiceField(
                    label=f"Stem {n + 1}", choices=[("", "Choose…"), *choices], coerce=int
                )
        else:
            self.fields["text"] = forms.CharField(label="Your answer", max_length=200)
        self.order_fields(["answer", "text", "confidence"])

    def selected(self) -> list[int]:
        answer = self.cleaned_data.get("answer")
        if answer is None:
            return []
        return [int(a) for a in (answer if isinstance(answer, list) else [answer])]

    def response(self) -> dict | None:
        """The answer of a type that is not a choice of options, for services.answer_question."""
        return answer_response(self.version, self.cleaned_data)


def answer_response(version, data) -> dict | None:
    """{"stems": […]} or {"text": "…"} from cleaned data or a POST (None for choice types)."""
    if version.qtype == scoring.EMQ:
        stems = []
        for n, _ in enumerate((version.details or {}).get("stems", [])):
            value = data.get(f"stem-{n}")
            stems.append(int(value) if str(value).isdigit() else None)
        return {"stems": stems}
    if version.qtype in (scoring.SHORT, scoring.NUMERICAL):
        return {"text": str(data.get("text") or "")[:200]}
    return None


class RatingForm(forms.Form):
    quality = forms.TypedChoiceField(
        label="Quality", coerce=int,
        choices=[("", "Choose…"), (1, "1 – poor"), (2, "2"), (3, "3"), (4, "4"),
                 (5, "5 – excellent")],
    )  # fmt: skip
    difficulty = forms.TypedChoiceField(
        label="Difficulty", coerce=int,
        choices=[("", "Choose…"), (1, "1 – easy"), (2, "2"), (3, "3"), (4, "4"),
                 (5, "5 – very hard")],
    )  # fmt: skip


class PracticeFilterForm(forms.Form):
    specialty = forms.ModelChoiceField(
        queryset=Tag.objects.filter(kind=TagKind.SPECIALTY), required=False,
        empty_label="Any specialty",
    )  # fmt: skip
    system = forms.ModelChoiceField(
        queryset=Tag.objects.filter(kind=TagKind.SYSTEM), required=False, empty_label="Any system"
    )
    exam = forms.ModelChoiceField(
        queryset=Tag.objects.filter(kind=TagKind.EXAM), required=False, empty_label="Any exam"
    )
    year = forms.TypedChoiceField(
        choices=[("", "Any year"), *YEAR_CHOICES], coerce=int, required=False, empty_value=None
    )

    def tags(self) -> list[Tag]:
        return [t for t in (self.cleaned_data.get(k) for k in TagKind.values) if t]


class ExportForm(PracticeFilterForm):
    """What to export: the practice filters (specialty, system, exam, year), or chosen
    questions by number; in which format; and whether to add what the member may see that is
    not published yet (services.exportable_questions)."""

    file_format = forms.ChoiceField(
        label="Format", choices=[(k, v[0]) for k, v in EXPORT_FORMATS.items()]
    )
    questions = forms.CharField(
        label="Only these questions", required=False, max_length=2000,
        help_text="Question numbers, e.g. Q12, Q15 Q40. When given, the filters below are not "
        "used.",
    )  # fmt: skip
    include_unpublished = forms.BooleanField(
        label="Also questions not yet published that I may see",
        required=False,
        help_text="Your own drafts and questions in review; for reviewers, everyone's questions "
        "in review. Their latest text is exported.",
    )

    field_order = ["questions", "specialty", "system", "exam", "year", "include_unpublished"]

    def clean_questions(self) -> list[int]:
        raw = self.cleaned_data["questions"]
        ids, bad = [], []
        for word in raw.replace(",", " ").replace(";", " ").split():
            number = word.upper().removeprefix("Q")
            if number.isdigit() and 0 < int(number) < 2**31:
                ids.append(int(number))
            else:
                bad.append(word)
        if bad:
            raise ValidationError(
                "Not a question number: " + ", ".join(bad[:10]) + " (write e.g. Q12, Q15)."
            )
        ids = list(dict.fromkeys(ids))
        if len(ids) > EXPORT_MAX_QUESTIONS:
            raise ValidationError(f"At most {EXPORT_MAX_QUESTIONS} questions at a time.")
        return ids


class RetentionForm(forms.Form):
    desired_retention = forms.FloatField(
        label="Desired retention", min_value=0.7, max_value=0.97,
        help_text="0.90 means a question returns when you are about 90 % likely to remember it. "
        "Higher means more frequent reviews.",
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )  # fmt: skip


class PaperForm(forms.Form):
    title = forms.CharField(max_length=150)
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1, max_value=600)
    year = forms.TypedChoiceField(
        label="Questions for year", choices=[("", "Any year"), *YEAR_CHOICES], coerce=int,
        required=False, empty_value=None,
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.specialties = list(Tag.objects.filter(kind=TagKind.SPECIALTY))
        for tag in self.specialties:
            self.fields[f"n_{tag.pk}"] = forms.IntegerField(
                label=f"{tag.name}: number of questions", min_value=0, max_value=200,
                required=False, initial=0,
            )  # fmt: skip

    def blueprint_fields(self):
        return [self[f"n_{tag.pk}"] for tag in self.specialties]

    def blueprint(self) -> dict[Tag, int]:
        return {tag: self.cleaned_data.get(f"n_{tag.pk}") or 0 for tag in self.specialties}


class PaperAddForm(forms.Form):
    question_ids = forms.CharField(
        label="Question numbers to add", max_length=2_000,
        help_text="Numbers as shown in the bank (Q123), separated by spaces or commas.",
    )  # fmt: skip

    def clean_question_ids(self):
        raw = self.cleaned_data["question_ids"].replace(",", " ").split()
        ids = []
        for token in raw:
            token = token.strip().lstrip("Qq")
            if not token.isdigit():
                raise ValidationError(f"{token!r} is not a question number.")
            ids.append(int(token))
        return ids


class TagCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=TagKind.choices)
    name = forms.CharField(max_length=60)


class TagRenameForm(forms.Form):
    name = forms.CharField(label="New name", max_length=60)


class TagMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Tag.objects.none(), label="Merge into")

    def __init__(self, *args, tag: Tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Tag.objects.filter(kind=tag.kind).exclude(pk=tag.pk)


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=f"Moodle XML or GIFT, at most {formats.MAX_FILE_BYTES // (1024 * 1024)} MB."
    )
    file_format = forms.ChoiceField(label="Format", choices=ImportFormat.choices)
    publish = forms.BooleanField(
        required=False,
        label="Publish at once (only for a bank the committee has already reviewed)",
        help_text="Otherwise the questions arrive as drafts credited to you.",
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > formats.MAX_FILE_BYTES:
            raise ValidationError(
                f"The file is larger than {formats.MAX_FILE_BYTES // (1024 * 1024)} MB."
            )
        self.filename = upload.name
        return upload.read()
