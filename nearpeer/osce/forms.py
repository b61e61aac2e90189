import re
import uuid

from django import forms
from django.core.exceptions import ValidationError

from nearpeer.core.images import image_upload_problem
from nearpeer.members.models import User
from nearpeer.tutorials.models import TutorialGroup

from . import scoring
from .models import Station
from .services import STATION_FIELDS

MAX_PEOPLE = 400


class StationForm(forms.ModelForm):
    image = forms.FileField(
        required=False,
        label="Image (optional)",
        help_text="An X-ray, ECG or photograph the examiner hands over: PNG, JPEG, GIF or WebP, "
        "up to 2 MB.",
    )
    image_alt = forms.CharField(
        required=False,
        max_length=300,
        label="Image description",
        help_text="Describe the image for screen-reader users (required with an image).",
    )
    scheme = forms.CharField(
        label="Mark scheme",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text='One checklist item a line. Start with "*" for a critical item; end with '
        '"[2]" for a weight of 2 (1 if none). Example: "* Confirms the patient\'s identity [2]".',
    )

    class Meta:
        model = Station
        fields = list(STATION_FIELDS)
        widgets = {
            "candidate_instructions": forms.Textarea(attrs={"rows": 4}),
            "patient_brief": forms.Textarea(attrs={"rows": 6}),
            "findings": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"pass_mark": "Pass mark (share of the checklist, 0–1)"}

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
        if data.get("image") and not (data.get("image_alt") or "").strip():
            self.add_error("image_alt", "Describe the image.")
        return data

    def clean_scheme(self):
        try:
            return scoring.parse_scheme(self.cleaned_data["scheme"])
        except scoring.ScoringError as exc:
            raise ValidationError(str(exc)) from exc


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", "Approve"), ("0", "Send back to the author")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        label="Decision",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


def _member_by_email(value: str, field: str) -> User:
    email = value.strip().lower()
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise ValidationError(f"{field}: no member with the email {email}.")
    return user


def _emails(text: str, field: str) -> list[User]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_PEOPLE:
        raise ValidationError(f"{field}: at most {MAX_PEOPLE} people.")
    users, seen = [], set()
    for n, line in enumerate(lines, 1):
        user = _member_by_email(line, f"{field}, line {n}")
        if user.pk in seen:
            raise ValidationError(f"{field}, line {n}: {line} is listed twice.")
        seen.add(user.pk)
        users.append(user)
    return users


class PracticeForm(forms.Form):
    station = forms.ModelChoiceField(queryset=Station.objects.none())
    group = forms.ModelChoiceField(
        queryset=TutorialGroup.objects.none(),
        required=False,
        label="Tutorial group (optional)",
        help_text="Everyone taking part must be in the group.",
    )
    candidate = forms.EmailField(label="Candidate's email")
    examiner = forms.EmailField(label="Examiner's email")
    patient = forms.EmailField(label="Simulated patient's email", required=False)
    observers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="One email a line.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["station"].queryset = Station.objects.filter(
            status=Station.Status.PUBLISHED
        ).order_by("title")
        self.fields["group"].queryset = TutorialGroup.objects.filter(
            members__member=user, programme__status="published"
        ).select_related("programme", "slot")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        roles = {}
        for field in ("candidate", "examiner", "patient"):
            if data.get(field):
                user = _member_by_email(data[field], self.fields[field].label)
                if user in roles:
                    raise ValidationError(f"{user.email} has two roles; give each person one.")
                roles[user] = field
        for user in _emails(data.get("observers", ""), "Observers"):
            if user in roles:
                raise ValidationError(f"{user.email} has two roles; give each person one.")
            roles[user] = "observer"
        if self.user not in roles:
            raise ValidationError("Take a role yourself: you practise with the group.")
        group = data.get("group")
        if group is not None:
            member_ids = set(group.members.values_list("member_id", flat=True))
            outside = [u.email for u in roles if u.pk not in member_ids]
            if outside:
                raise ValidationError(f"{outside[0]} is not in this tutorial group.")
        data["roles"] = roles
        return data


class RotateForm(forms.Form):
    station = forms.ModelChoiceField(
        queryset=Station.objects.filter(status=Station.Status.PUBLISHED).order_by("title"),
        label="Next station",
    )


_EXAMINER_LINE = re.compile(r"^(?P<email>\S+@\S+?)(?:\s+runs?\s+(?P<runs>[\d,\s]+))?$", re.I)


class MockForm(forms.Form):
    title = forms.CharField(max_length=200)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    stations = forms.ModelMultipleChoiceField(
        queryset=Station.objects.filter(status=Station.Status.PUBLISHED).order_by("title"),
        widget=forms.CheckboxSelectMultiple,
    )
    circuits = forms.IntegerField(min_value=1, max_value=10, initial=1, label="Parallel circuits")
    max_rest_stations = forms.IntegerField(
        min_value=0, max_value=5, initial=1, label="Rest stations allowed per circuit"
    )
    candidates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=40000, help_text="One email a line."
    )
    examiners = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=40000,
        help_text='One email a line; add "runs 1,2" when someone can come only to some runs.',
    )
    friends = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
        required=False,
        label="Declared friends",
        help_text='"examiner email, candidate email" a line. Own tutees are found from tutorial '
        "groups.",
    )

    def clean_candidates(self):
        return _emails(self.cleaned_data["candidates"], "Candidates")

    def clean_examiners(self):
        out, seen = [], set()
        lines = [x.strip() for x in self.cleaned_data["examiners"].splitlines() if x.strip()]
        if len(lines) > MAX_PEOPLE:
            raise ValidationError(f"Examiners: at most {MAX_PEOPLE} people.")
        for n, line in enumerate(lines, 1):
            m = _EXAMINER_LINE.match(line)
            if not m:
                raise ValidationError(f'Examiners, line {n}: "{line}" is not "email [runs 1,2]".')
            user = _member_by_email(m["email"], f"Examiners, line {n}")
            if user.pk in seen:
                raise ValidationError(f"Examiners, line {n}: {user.email} is listed twice.")
            seen.add(user.pk)
            runs = [int(r) for r in re.split(r"[,\s]+", m["runs"] or "") if r]
            if any(not 1 <= r <= 20 for r in runs):
                raise ValidationError(f"Examiners, line {n}: runs are numbered 1 to 20.")
            out.append((user, runs))
        if not out:
            raise ValidationError("Name at least one examiner.")
        return out

    def clean_friends(self):
        out = []
        lines = [x.strip() for x in self.cleaned_data["friends"].splitlines() if x.strip()]
        for n, line in enumerate(lines, 1):
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 2:
                raise ValidationError(
                    f'Declared friends, line {n}: "{line}" is not '
                    '"examiner email, candidate email".'
                )
            out.append(tuple(_member_by_email(p, f"Declared friends, line {n}") for p in parts))
        return out


class MarkForm(forms.Form):
    """One sheet: a done / partly / not done choice per item, a global rating, feedback."""

    global_rating = forms.TypedChoiceField(
        choices=sorted(scoring.GLOBAL_RATINGS.items()),
        coerce=int,
        widget=forms.RadioSelect,
        label="Global rating",
    )
    feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(station.items.all())
        for item in self.items:
            label = item.text + (f" (×{item.weight})" if item.weight != 1 else "")
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                choices=[
                    (scoring.DONE, "Done"),
                    (scoring.PARTLY, "Partly"),
                    (scoring.NOT_DONE, "Not done"),
                ],
                widget=forms.RadioSelect,
                label=label + (" — critical" if item.critical else ""),
            )
        # Items first, then the global rating and feedback.
        order = [f"item_{i.pk}" for i in self.items] + ["global_rating", "feedback", "client_id"]
        self.order_fields(order)

    def marks(self) -> dict[str, str]:
        return {str(i.pk): self.cleaned_data[f"item_{i.pk}"] for i in self.items}
