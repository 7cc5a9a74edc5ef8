"""The meeting sheet: many exchanges entered in one table after a meeting.

Givers and receivers are offered from a list of parties (the group's members and the
external actors the user may see), given by the view; a posted value that is not on the
list is an ordinary form error, so nothing outside the group can be named."""

from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups import amounts
from groups.models import ExternalActor, Person, Resource

from .fields import AmountField, SubmitOnce, TextHygieneMixin
from .registry import DateInput, not_in_future

SHEET_PREFIX = "rows"
SHEET_START_ROWS = 5
SHEET_MAX_ROWS = 100


def party_key(party: Person | ExternalActor) -> str:
    kind = "person" if isinstance(party, Person) else "actor"
    return f"{kind}:{party.ref}"


class SheetForm(SubmitOnce, forms.Form):
    date = forms.DateField(
        label=_("Date of the meeting"), widget=DateInput, initial=timezone.localdate
    )

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"])


NOT_ON_THE_LIST = {
    "invalid_choice": _(
        "Choose from the list: this person is no longer a member of the group, "
        "or this institution is not in your area."
    )
}


class SheetRowForm(TextHygieneMixin, forms.Form):
    giver = forms.ChoiceField(label=_("Giver"), error_messages=NOT_ON_THE_LIST)
    receiver = forms.ChoiceField(label=_("Receiver"), error_messages=NOT_ON_THE_LIST)
    resource = forms.ChoiceField(
        label=_("Resource"), choices=[("", "—"), *Resource.choices]
    )
    amount = AmountField(label=_("Amount"), required=False)
    unit = forms.CharField(
        label=_("Unit"), required=False, max_length=16,
        widget=forms.TextInput(attrs={"placeholder": _("IDR, hours, kg")}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, members, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = {party_key(p): p for p in [*members, *actors]}
        choices = [
            ("", "—"),
            (_("Members"), [(party_key(p), str(p)) for p in members]),
        ]
        if actors:
            choices.append((_("External actors"), [(party_key(a), a.name) for a in actors]))
        self.fields["giver"].choices = choices
        self.fields["receiver"].choices = choices

    def clean_giver(self):
        return self.parties[self.cleaned_data["giver"]]

    def clean_receiver(self):
        return self.parties[self.cleaned_data["receiver"]]

    def clean(self):
        cleaned = super().clean()
        giver, receiver = cleaned.get("giver"), cleaned.get("receiver")
        if giver is not None and giver == receiver:
            self.add_error("receiver", _("Giver and receiver must be different."))
        if cleaned.get("amount") is not None:  # "Rp 50.000" with no unit is rupiah
            written = self.data.get(self.add_prefix("amount"), "")
            cleaned["unit"] = amounts.unit_for(written, cleaned.get("unit", ""))
        return cleaned


class BaseSheetFormSet(forms.BaseFormSet):
    """Every row of a sheet is new and a row left blank is skipped; at least one is needed."""

    def initial_form_count(self):
        return 0

    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError(_("Fill in at least one exchange."))

    def filled_rows(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.has_changed()]


def sheet_formset(*, members, actors, data=None, rows=SHEET_START_ROWS, initial=None):
    """The sheet's formset. Bound to `data` when posted; otherwise `rows` empty rows,
    the first ones filled from `initial` (used to add a row without JavaScript)."""
    formset_class = forms.formset_factory(
        SheetRowForm,
        formset=BaseSheetFormSet,
        extra=min(max(rows, 1), SHEET_MAX_ROWS),
        max_num=SHEET_MAX_ROWS,
        absolute_max=SHEET_MAX_ROWS,
        validate_max=True,
    )
    return formset_class(
        data=data,
        initial=initial,
        prefix=SHEET_PREFIX,
        form_kwargs={"members": members, "actors": actors},
    )


def posted_rows(data, *, fields=("giver", "receiver", "resource", "amount", "unit", "note")):
    """The raw values of a posted sheet, row by row, to show them again with one more row."""
    count_form = RowCountForm(data)
    count = count_form.cleaned_data["count"] if count_form.is_valid() else 0
    return [
        {name: data.get(f"{SHEET_PREFIX}-{index}-{name}", "") for name in fields}
        for index in range(count)
    ]


class RowCountForm(forms.Form):
    """How many rows the sheet has now (the formset's TOTAL_FORMS, read from the query)."""

    count = forms.IntegerField(min_value=0, max_value=SHEET_MAX_ROWS - 1)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"count": data.get(f"{SHEET_PREFIX}-TOTAL_FORMS", "")}
        super().__init__(data, **kwargs)


# --- paper that comes back: numbers for people, codes for actors and resources ---------------

#: One letter per resource, in the page's language: written on the printed sheet and typed in
#: the quick entry ("12 7 k 5000"). Each language's letters must differ (tested).
RESOURCE_CODES = {
    Resource.MONEY: pgettext_lazy("resource code: Money", "m"),
    Resource.LOAN: pgettext_lazy("resource code: Loan", "l"),
    Resource.GOODS: pgettext_lazy("resource code: Goods", "g"),
    Resource.LABOUR: pgettext_lazy("resource code: Labour", "w"),
    Resource.KNOWLEDGE: pgettext_lazy("resource code: Knowledge or skills", "k"),
    Resource.INFORMATION: pgettext_lazy("resource code: Information", "i"),
    Resource.EMOTIONAL_SUPPORT: pgettext_lazy("resource code: Emotional support", "e"),
    Resource.CARE: pgettext_lazy("resource code: Care", "c"),
}


@dataclass(frozen=True)
class Numbered:
    code: str  # "12" for the 12th member, "A3" for the third actor, "k" for knowledge
    key: str  # the sheet's value: "person:REF", "actor:REF" or a resource
    label: str


@dataclass(frozen=True)
class SheetKey:
    """What the paper sheet and the quick entry share: the members numbered in the sheet's
    order (by name), the actors as A1, A2..., and the resources' letters."""

    members: tuple[Numbered, ...]
    actors: tuple[Numbered, ...]
    resources: tuple[Numbered, ...]


def sheet_key(*, members, actors) -> SheetKey:
    return SheetKey(
        members=tuple(Numbered(str(n), party_key(p), str(p)) for n, p in enumerate(members, 1)),
        actors=tuple(Numbered(f"A{n}", party_key(a), a.name) for n, a in enumerate(actors, 1)),
        resources=tuple(Numbered(str(RESOURCE_CODES[r]), r.value, r.label) for r in Resource),
    )
