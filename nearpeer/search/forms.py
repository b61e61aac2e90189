from django import forms

from . import text
from .index import providers


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search", max_length=text.MAX_QUERY_LENGTH, required=False, strip=True
    )
    kind = forms.ChoiceField(label="Show", required=False)
    # A tag's id, not a ModelChoiceField: its query (and the copy of its queryset every form
    # makes) cost more than the rest of the form. The whole page checks it against the tags it
    # reads for the filter anyway (views.results); an unknown id elsewhere finds nothing.
    tag = forms.IntegerField(label="Tag", required=False, min_value=1, max_value=2**62)
    page = forms.IntegerField(min_value=1, max_value=50, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["kind"].choices = [("", "Everything")] + [
            (kind, provider.label) for kind, provider in providers().items()
        ]
