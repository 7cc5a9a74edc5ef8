"""Forms of a fund's cycles: the day of a share-out (a query string), confirming it with the
next cycle's dates, and a cycle's planned end and share-out date."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import SubmitOnce
from .registry import DateInput, not_in_future


class ShareOutDayForm(forms.Form):
    """?date=: the day whose share-out the page works out (blank: today)."""

    date = forms.DateField(label=_("Share out on"), widget=DateInput, required=False)

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"]) or timezone.localdate()


class CycleDatesForm(forms.Form):
    """A cycle's planned end and share-out date; `starts`: the cycle's start, neither before it."""

    planned_end = forms.DateField(label=_("Planned end of the cycle"), widget=DateInput, required=False)
    share_out_on = forms.DateField(label=_("Share-out date"), widget=DateInput, required=False)

    def __init__(self, *args, starts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.starts = starts

    def clean(self):
        cleaned = super().clean()
        self.check_from(self.starts, _("The dates cannot come before the cycle starts."))
        return cleaned

    def check_from(self, first_day, message):
        """Both dates, when given, on or after `first_day` (the cycle's start)."""
        for name in ("planned_end", "share_out_on"):
            value = self.cleaned_data.get(name)
            if value is not None and first_day is not None and value < first_day:
                self.add_error(name, message)


class ShareOutForm(SubmitOnce, CycleDatesForm):
    """Confirms the share-out shown (its day and total, as the treasurer saw them) and gives
    the next cycle its planned end and share-out date."""

    date = forms.DateField(widget=forms.HiddenInput)
    total = forms.DecimalField(widget=forms.HiddenInput, max_digits=16, decimal_places=2, min_value=0)

    field_order = ["planned_end", "share_out_on", "date", "total"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_end"].label = _("Planned end of the next cycle")
        self.fields["share_out_on"].label = _("Share-out date of the next cycle")

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"])

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        self.check_from(
            day and day + dt.timedelta(days=1),
            _("The next cycle starts the day after the share-out: pick a later date."),
        )
        return cleaned
