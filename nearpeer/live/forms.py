from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone

from nearpeer.questions.models import Question
from nearpeer.teaching.models import Session

from .models import ItemKind
from .protocol import CODE_PATTERN


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=12,
        help_text="The code on the screen, e.g. K7M2QX.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).upper()
        if not CODE_PATTERN.fullmatch(code):
            raise ValidationError("A join code is 6 letters and digits, e.g. K7M2QX.")
        return code


class SessionChoiceField(forms.ModelChoiceField):
    """A session by its title and when it starts: a teacher gives the same lecture every year."""

    def label_from_instance(self, obj: Session) -> str:
        when = formats.date_format(timezone.localtime(obj.starts_at), "D j M Y, H:i")
        return f"{obj.title} ({when})"


class DeckForm(forms.Form):
    session = SessionChoiceField(
        queryset=Session.objects.none(),
        help_text="Sessions you teach (all, for the committee): the next ones first.",
    )
    title = forms.CharField(max_length=200)
    allow_anonymous = forms.BooleanField(
        required=False,
        initial=True,
        label="Anyone with the code may answer without signing in",
        help_text="Untick to let only signed-in members answer (their wrong answers to bank "
        "questions then enter their review queue).",
    )
    leaderboard = forms.BooleanField(
        required=False,
        initial=False,
        label="Show a leaderboard of quiz scores",
        help_text="Off by default. Only keyed items count; only participants who choose a "
        "nickname appear, by that nickname.",
    )

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (
            sessions if sessions is not None else Session.objects.none()
        )


def parse_moment(value: str) -> int | None:
    """ "12:30" or "1:02:03" or "750" (seconds) → seconds."""
    value = value.strip()
    if not value:
        return None
    parts = value.split(":")
    if len(parts) > 3 or not all(p.isdigit() for p in parts):
        raise ValidationError("Write the moment as minutes:seconds, e.g. 12:30.")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def _split_options(form: forms.Form, data: dict) -> None:
    """One option per line, the keyed one starting with * → option_list and correct."""
    lines = [line.strip() for line in data.get("options", "").splitlines() if line.strip()]
    keyed = [i for i, line in enumerate(lines) if line.startswith("*")]
    if len(keyed) > 1:
        form.add_error("options", "Mark at most one option with *.")
    data["option_list"] = [line.lstrip("*").strip() for line in lines]
    data["correct"] = keyed[0] if len(keyed) == 1 else None


def options_text(options: list[str], correct: int | None) -> str:
    """The options as the item forms take them (the inverse of _split_options)."""
    return "\n".join(("*" if i == correct else "") + text for i, text in enumerate(options))


class ItemImageFields(forms.Form):
    """An item's image and its text alternative (checked by the service: live.services)."""

    image = forms.FileField(
        required=False,
        label="Image (optional)",
        help_text="An ECG, X-ray or photograph to answer about: PNG, JPEG, GIF or WebP, up to "
        "2 MB. Participants see it with the question; a bank question brings its own.",
    )
    image_alt = forms.CharField(
        required=False,
        max_length=300,
        label="Image description",
        help_text="What the image shows, for screen-reader users (needed with an image).",
    )


class ItemForm(ItemImageFields):
    kind = forms.ChoiceField(choices=ItemKind.choices)
    prompt = forms.CharField(
        max_length=500, required=False, help_text="Optional for a bank question (its stem is used)."
    )
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Multiple choice: one option per line; start the keyed answer with * to make "
        "it a quiz.",
    )
    question = forms.IntegerField(
        required=False, min_value=1, label="Bank question number", help_text="For a bank question."
    )
    recording_at = forms.CharField(
        required=False,
        max_length=10,
        label="Moment in the recording",
        help_text="Where the item comes in the recording (minutes:seconds), for viewers later.",
    )

    field_order = ["kind", "prompt", "options", "question", "image", "image_alt", "recording_at"]

    def clean_recording_at(self) -> int | None:
        return parse_moment(self.cleaned_data["recording_at"])

    def clean_question(self):
        number = self.cleaned_data["question"]
        if number is None:
            return None
        question = Question.objects.practisable().filter(pk=number).first()
        if question is None:
            raise ValidationError(f"No published question number {number}.")
        return question

    def clean(self):
        data = super().clean()
        _split_options(self, data)
        if data.get("kind") == ItemKind.QUESTION and not data.get("question"):
            self.add_error("question", "Give the number of a published bank question.")
        return data


class DeckSettingsForm(forms.Form):
    title = forms.CharField(max_length=200)
    allow_anonymous = forms.BooleanField(
        required=False,
        label="Anyone with the code may answer without signing in",
        help_text="Checked as people join: anyone already answering keeps their place.",
    )


class ItemEditForm(ItemImageFields):
    """What may change about an item: its wording, a multiple-choice item's options and key,
    and its moment in the recording. `kind` decides which fields the page shows."""

    prompt = forms.CharField(
        max_length=500, required=False, help_text="For a bank question, blank means its stem."
    )
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One option per line; start the keyed answer with * to make it a quiz. "
        "Answers count by position: once anyone has answered, reword the options but keep "
        "their number and order.",
    )
    remove_image = forms.BooleanField(required=False, label="Remove the image")
    recording_at = forms.CharField(
        required=False,
        max_length=10,
        label="Moment in the recording",
        help_text="minutes:seconds, e.g. 12:30. Viewers of the recording meet the item there.",
    )

    field_order = ["prompt", "options", "image", "image_alt", "remove_image", "recording_at"]

    def __init__(self, *args, kind: str, has_image: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["image"].label = "New image (optional)" if has_image else "Image (optional)"
        if kind != ItemKind.CHOICE:
            del self.fields["options"]
        if kind == ItemKind.QUESTION:
            for name in ("image", "image_alt", "remove_image"):
                del self.fields[name]
        elif not has_image:
            del self.fields["remove_image"]
        if kind != ItemKind.QUESTION:
            self.fields["prompt"].required = True
            self.fields["prompt"].help_text = ""

    def clean_recording_at(self) -> int | None:
        return parse_moment(self.cleaned_data["recording_at"])

    def clean(self):
        data = super().clean()
        if "options" in self.fields:
            _split_options(self, data)
        else:
            data["option_list"], data["correct"] = [], None
        return data


class DeckCopyForm(forms.Form):
    session = SessionChoiceField(
        queryset=Session.objects.none(),
        help_text="Sessions you teach (all, for the committee): the next ones first.",
    )
    title = forms.CharField(max_length=200)

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (
            sessions if sessions is not None else Session.objects.none()
        )
