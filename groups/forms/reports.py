"""Query-string forms of the report pages: the period and resource filter, the before/after window."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import Resource

LAST_12_MONTHS = "last_12_months"
CHOSEN_DATES = "dates"
#: The longest window a report may cover (a snapshot of a longer one would be slow and rarely useful).
MAX_WINDOW_DAYS = 5 * 366
EARLIEST = dt.date(1950, 1, 1)


class ReportFilterForm(forms.Form):
    """Area reports: which period and which resource type. Empty = the last 12 months, all types."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[(LAST_12_MONTHS, _("Last 12 months")), (CHOSEN_DATES, _("Dates chosen below"))],
        required=False,
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    resource = forms.ChoiceField(
        label=_("Resource type"),
        choices=[("", _("All types"))] + list(Resource.choices),
        required=False,
    )
    confirmed_only = forms.BooleanField(
        label=_("Confirmed exchanges only"),
        required=False,
        help_text=_("Leave out exchanges still waiting for the other side to confirm them."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        period = data.get("period") or (CHOSEN_DATES if start or end else LAST_12_MONTHS)
        data["period"] = period
        if period == LAST_12_MONTHS:
            data["start"] = data["end"] = None
            return data
        if start is None or end is None:
            raise forms.ValidationError(_("Give both dates of the period, or choose the last 12 months."))
        if start < EARLIEST or end > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError(_("Choose a period between 1950 and next year."))
        if end < start:
            self.add_error("end", _("The end of the period cannot be before its start."))
        elif (end - start).days > MAX_WINDOW_DAYS:
            self.add_error("end", _("A report can cover at most five years."))
        return data

    def window(self) -> tuple[dt.date | None, dt.date | None, str]:
        """(start, end, resource) of a valid form; (None, None, ...) = the rolling 12 months."""
        data = self.cleaned_data
        return data.get("start"), data.get("end"), data.get("resource") or ""

    def only_confirmed(self) -> bool:
        """Whether a valid bound form asks for confirmed exchanges only."""
        return self.is_bound and self.is_valid() and bool(self.cleaned_data.get("confirmed_only"))


class ChangeWindowForm(forms.Form):
    """Before and after an activity: how many months on each side."""

    months = forms.IntegerField(
        label=_("Months before and after"),
        min_value=1,
        max_value=12,
        required=False,
        help_text=_("The same number of months is compared on each side of the activity."),
    )

    DEFAULT_MONTHS = 3

    def months_or_default(self) -> int:
        return self.cleaned_data.get("months") or self.DEFAULT_MONTHS
