from django import forms

from nearpeer.questions.models import Tag

from . import text
from .index import providers


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search", max_length=text.MAX_QUERY_LENGTH, required=False, strip=True
    )
    kind = forms.ChoiceField(label="Show", required=False)
    tag = forms.ModelChoiceField(
        label="Tag", queryset=Tag.objects.all(), required=False, empty_label="Any tag"
    )
    page = forms.IntegerField(min_value=1, max_value=50, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["kind"].choices = [("", "Everything")] + [
            (kind, provider.label) for kind, provider in providers().items()
        ]
