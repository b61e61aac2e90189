import re
from datetime import time

from django import forms
from django.core.exceptions import ValidationError

from nearpeer.teaching.years import ALL_YEARS, years_to_mask

from .models import INTERESTS, WEEKDAYS, Availability, MentoringScheme, Programme, SignUp

SLOT_LINE = re.compile(
    r"^(?P<day>[A-Za-z]{3})\w*\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s+(?P<min>\d+))?$"
)
YEAR_CHOICES = [(y, f"Year {y}") for y in ALL_YEARS]


def parse_slots(text: str) -> list[tuple[int, time, int]]:
    """Lines like "Tue 18:00" or "Tue 18:00 90" (minutes, default 60)."""
    days = [d.lower() for d in WEEKDAYS]
    slots, seen = [], set()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        match = SLOT_LINE.match(line)
        if not match or match["day"].lower() not in days:
            raise ValidationError(f'Line {n}: "{line}" is not like "Tue 18:00" or "Tue 18:00 90".')
        hour, minute = int(match["h"]), int(match["m"])
        minutes = int(match["min"] or 60)
        if hour > 23 or minute > 59 or not 15 <= minutes <= 480:
            raise ValidationError(f'Line {n}: "{line}" has an impossible time or length.')
        key = (days.index(match["day"].lower()), time(hour, minute))
        if key in seen:
            raise ValidationError(f'Line {n}: "{line}" is listed twice.')
        seen.add(key)
        slots.append((*key, minutes))
    if not slots:
        raise ValidationError("Give at least one weekly slot.")
    if len(slots) > 60:
        raise ValidationError("At most 60 slots.")
    return slots


class ProgrammeForm(forms.ModelForm):
    target_years = forms.TypedMultipleChoiceField(
        choices=YEAR_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    slots = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=3000,
        help_text='One weekly slot per line, e.g. "Tue 18:00" or "Thu 17:30 90" (minutes).',
    )

    class Meta:
        model = Programme
        fields = [
            "title",
            "description",
            "signup_deadline",
            "first_week",
            "weeks",
            "location",
            "group_min",
            "group_max",
            "tutors_min",
            "tutors_max",
        ]
        widgets = {
            "signup_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "first_week": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "group_min": "Smallest group (tutees)",
            "group_max": "Largest group (tutees)",
            "tutors_min": "Fewest tutors per group",
            "tutors_max": "Most tutors per group",
        }

    def clean_slots(self):
        return parse_slots(self.cleaned_data["slots"])

    def clean(self):
        data = super().clean()
        if (
            data.get("group_min")
            and data.get("group_max")
            and data["group_min"] > data["group_max"]
        ):
            self.add_error("group_max", "The largest group must be at least the smallest.")
        if (
            data.get("tutors_min")
            and data.get("tutors_max")
            and data["tutors_min"] > data["tutors_max"]
        ):
            self.add_error("tutors_max", "Must be at least the fewest tutors per group.")
        if data.get("first_week") and data["first_week"].weekday() != 0:
            self.add_error("first_week", "Pick the Monday of the first week.")
        if data.get("target_years"):
            self.instance.target_years_mask = years_to_mask(data["target_years"])
        return data


class SignUpForm(forms.Form):
    """The availability grid: one yes / if need be / no choice per slot, plus preferences."""

    role = forms.ChoiceField(choices=SignUp.Role.choices, widget=forms.RadioSelect)
    max_groups = forms.IntegerField(
        min_value=1, max_value=5, initial=1, label="How many groups can you take?"
    )
    wants_co_tutor = forms.BooleanField(required=False, label="I would like a co-tutor")
    friends = forms.ModelMultipleChoiceField(
        queryset=SignUp.objects.none(),
        required=False,
        label="Friends to be grouped with (up to three)",
        help_text="People who have already signed up as tutees.",
    )

    def __init__(self, *args, programme, slots, roles, signup=None, initial_answers=None, **kw):
        super().__init__(*args, **kw)
        self.slots = slots
        self.fields["role"].choices = [c for c in SignUp.Role.choices if c[0] in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]
            self.fields["role"].widget = forms.HiddenInput()
        friends = programme.signups.filter(role=SignUp.Role.TUTEE).select_related("member")
        if signup is not None:
            friends = friends.exclude(pk=signup.pk)
        self.fields["friends"].queryset = friends.order_by("member__name")
        self.fields["friends"].label_from_instance = lambda s: s.member.name
        answers = initial_answers or {}
        for slot in slots:
            self.fields[f"slot_{slot.pk}"] = forms.ChoiceField(
                label=slot.label,
                choices=Availability.Answer.choices,
                initial=answers.get(slot.pk, Availability.Answer.NO),
                widget=forms.RadioSelect(attrs={"class": "grid-choice"}),
            )

    def slot_fields(self):
        return [(slot, self[f"slot_{slot.pk}"]) for slot in self.slots]

    def clean_friends(self):
        friends = self.cleaned_data["friends"]
        if len(friends) > 3:
            raise ValidationError("Name at most three friends.")
        return friends

    def answers(self) -> dict[int, str]:
        return {slot.pk: self.cleaned_data[f"slot_{slot.pk}"] for slot in self.slots}


class RunForm(forms.Form):
    # The solver runs on a worker (services.execute_allocation); the limit bounds the wait.
    time_limit_s = forms.IntegerField(
        min_value=1, max_value=20, initial=10, label="Time limit (seconds)"
    )


class MoveForm(forms.Form):
    signup = forms.ModelChoiceField(queryset=SignUp.objects.none(), label="Person")
    to_group = forms.TypedChoiceField(coerce=int, label="Move to", choices=())

    def __init__(self, *args, programme, groups, **kw):
        super().__init__(*args, **kw)
        self.fields["signup"].queryset = programme.signups.select_related("member").order_by(
            "role", "member__name"
        )
        self.fields["signup"].label_from_instance = lambda s: (
            f"{s.member.name} ({s.get_role_display().lower()})"
        )
        self.fields["to_group"].choices = [(0, "No group (unplace a tutee)")] + [
            (g.pk, f"Group {n}: {g.slot.label}") for n, g in enumerate(groups, 1)
        ]


class SchemeForm(forms.ModelForm):
    target_years = forms.TypedMultipleChoiceField(
        choices=YEAR_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Mentees' years",
    )

    class Meta:
        model = MentoringScheme
        fields = ["title", "description", "signup_deadline"]
        widgets = {
            "signup_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        if data.get("target_years"):
            self.instance.target_years_mask = years_to_mask(data["target_years"])
        return data


class MentoringEntryForm(forms.Form):
    role = forms.ChoiceField(choices=(), widget=forms.RadioSelect, label="I would like to")
    interests = forms.MultipleChoiceField(
        choices=INTERESTS, widget=forms.CheckboxSelectMultiple, label="Interests"
    )
    capacity = forms.IntegerField(
        min_value=1, max_value=10, initial=1, label="Mentees you can take (mentors)"
    )
    note = forms.CharField(max_length=300, required=False, label="Anything else (optional)")

    def __init__(self, *args, roles, **kw):
        super().__init__(*args, **kw)
        labels = {"mentor": "Mentor someone", "mentee": "Have a mentor"}
        self.fields["role"].choices = [(r, labels[r]) for r in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]
