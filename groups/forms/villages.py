"""Query string of the villages table: the report filters and the column it is sorted by."""

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.scores.pages.villages import SORTS

from .reports import ReportFilterForm


class VillageSortForm(ReportFilterForm):
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS],
        required=False,
    )

    def sort_key(self) -> str:
        """The valid sort, or by name."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("sort") or "name"
        return "name"
