"""Forms of a group's money: a new fund, the meeting ledger, the arisan order.

The meeting ledger is one head form (date, cash counted) and three formsets: a row per member
(fixed: the members are given by the view, in order, and a posted sheet whose members changed
is refused), new loans and payouts (blank rows skipped). Amounts are read by AmountField
(groups/amounts.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups import amounts
from groups.models import EntryKind, FundKind, InterestMethod, PayoutReason, RotationHow

from .fields import AmountField, SubmitOnce, TextHygieneMixin
from .registry import DateInput, not_in_future

LOAN_ROWS = 2
PAYOUT_ROWS = 2
MAX_ROWS = 30  # new loans or payouts on one sheet: rows are added one at a time (AddRowForm)
#: The member row's amount columns, in the sheet's order, with their headings.
COLUMN_LABELS = {
    "savings": _("Savings"),
    "repayment": _("Loan repayment"),
    "social": _("Social fund"),
    "arisan": _("Arisan"),
    "fine": _("Fine"),
}


class FundForm(SubmitOnce, TextHygieneMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of fund"), choices=FundKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput, initial=timezone.localdate)
    opening_balance = AmountField(
        label=_("Money it holds now"), required=False,
        help_text=_("The cash the fund holds on the day it is opened here (blank: nothing)."),
    )
    planned_end = forms.DateField(label=_("Planned end of the cycle"), widget=DateInput, required=False)
    share_out_on = forms.DateField(label=_("Share-out date"), widget=DateInput, required=False)

    def clean_opened_on(self):
        return not_in_future(self.cleaned_data["opened_on"])

    def clean(self):
        cleaned = super().clean()
        for name in ("planned_end", "share_out_on"):
            day = cleaned.get(name)
            if day and cleaned.get("opened_on") and day < cleaned["opened_on"]:
                self.add_error(name, _("The cycle starts the day the fund opens: pick that day or later."))
        return cleaned


class LedgerHeadForm(SubmitOnce, forms.Form):
    date = forms.DateField(label=_("Date of the meeting"), widget=DateInput, initial=timezone.localdate)
    cash_counted = AmountField(
        label=_("Cash counted at the end"), required=False,
        help_text=_("All the group's funds together. It is checked against the books."),
    )
    not_counted = forms.BooleanField(
        label=_("The cash was not counted at this meeting"), required=False,
        help_text=_("Kept with the meeting: the funds page shows it was not checked."),
    )
    accept_difference = forms.BooleanField(
        label=_("Save with this difference (it is kept with the meeting)"), required=False
    )

    def clean_date(self):
        return not_in_future(self.cleaned_data["date"])

    def clean(self):
        """A meeting is saved with its cash counted, or with a plain word that it was not
        (a blank count must not pass for a check)."""
        cleaned = super().clean()
        counted, not_counted = cleaned.get("cash_counted"), cleaned.get("not_counted")
        if counted is None and not not_counted and "cash_counted" not in self.errors:
            self.add_error("cash_counted", _(
                "Write the cash counted at the end of the meeting, or tick “The cash was not counted”."
            ))
        if counted is not None and not_counted:
            self.add_error("not_counted", _("The cash was counted: clear this tick or the count."))
        return cleaned


class MemberRowForm(forms.Form):
    member = forms.CharField(widget=forms.HiddenInput)
    present = forms.BooleanField(label=_("Present"), required=False, initial=True)

    def __init__(self, *args, person, columns, payers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        others = {p: label for p, label in (payers or {}).items() if p != person}
        self.payers = {p.ref: p for p in others}
        for name in columns:
            self.fields[name] = AmountField(label=COLUMN_LABELS[name], required=False)
            if name == "arisan":  # a missed arisan contribution another member paid
                self.fields["arisan_by"] = forms.ChoiceField(
                    label=_("Arisan paid by"), required=False,
                    choices=[("", _("the member")), *[(p.ref, label) for p, label in others.items()]],
                )

    def clean_member(self):
        if self.cleaned_data["member"] != self.person.ref:
            raise forms.ValidationError(_("The members of the group changed since this sheet was opened."))
        return self.person

    def clean_arisan_by(self):
        return self.payers.get(self.cleaned_data["arisan_by"])  # None: paid by the member

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("arisan_by") and not cleaned.get("arisan"):
            self.add_error("arisan", _("Write the arisan amount that was paid for this member."))
        return cleaned


class BaseMemberRows(forms.BaseFormSet):
    def __init__(self, *args, people, columns, labels=None, **kwargs):
        self.people, self.columns, self.labels = people, columns, labels
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        person = self.people[index] if index is not None and index < len(self.people) else None
        return {"person": person, "columns": self.columns, "payers": self.labels}

    def rows(self) -> list[dict]:
        return [{**form.cleaned_data, "person": form.person} for form in self.forms]


class LoanRowForm(forms.Form):
    person = forms.ChoiceField(label=_("Member"))
    amount = AmountField(label=_("Amount lent"))
    # read like an amount (groups/amounts.py): "1,5" and "1.5" are both one and a half
    rate = AmountField(label=_("Interest % a month"), max_digits=5, max_value=100)
    term = forms.IntegerField(label=_("Months"), min_value=1, max_value=120)
    # the first choice is what an untouched select sends: a blank row stays unchanged
    method = forms.ChoiceField(
        label=_("Interest"), choices=InterestMethod.choices, initial=InterestMethod.FLAT
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.ref: p for p in people}
        self.fields["person"].choices = [("", "—"), *[(p.ref, label) for p, label in people.items()]]

    def clean_person(self):
        return self.people[self.cleaned_data["person"]]

    def clean_amount(self):
        if not self.cleaned_data["amount"]:
            raise forms.ValidationError(_("The amount must be more than zero."))
        return self.cleaned_data["amount"]


class PayoutRowForm(TextHygieneMixin, forms.Form):
    person = forms.ChoiceField(label=_("Member"))
    kind = forms.ChoiceField(label=_("Paid out as"))
    amount = AmountField(label=_("Amount"))
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *PayoutReason.choices], required=False)

    def __init__(self, *args, people, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p.ref: p for p in people}
        self.fields["person"].choices = [("", "—"), *[(p.ref, label) for p, label in people.items()]]
        self.fields["kind"].choices = [(k, EntryKind(k).label) for k in kinds]
        self.fields["kind"].initial = kinds[0]  # what an untouched select sends

    def has_changed(self):
        """A row counts once it names a member or an amount, even as prefilled (the arisan
        draw is): a kind left as it came, or a row cleared, is a blank row."""
        if not self.is_bound:
            return super().has_changed()
        return any(self.data.get(self.add_prefix(name), "").strip() for name in ("person", "amount"))

    def clean_person(self):
        return self.people[self.cleaned_data["person"]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == EntryKind.PAYOUT and not cleaned.get("reason"):
            self.add_error("reason", _("Say why the social fund pays out."))
        if cleaned.get("amount") == 0:
            self.add_error("amount", _("The amount must be more than zero."))
        return cleaned


@dataclass
class LedgerSheet:
    """The meeting ledger's forms, valid together or not at all."""

    head: LedgerHeadForm
    members: BaseMemberRows
    loans: forms.BaseFormSet | None
    payouts: forms.BaseFormSet | None
    check: dict | None = None  # the cash check once posted: expected, counted, difference
    cash: list | None = None  # services.meeting_ledger.FundCash of each open fund

    @property
    def cash_after(self):
        """What all the open funds should hold after the sheet (before it, until it is built)."""
        return sum((cash.after for cash in self.cash or ()), 0)

    def is_valid(self) -> bool:
        parts = [self.head, self.members, *(p for p in (self.loans, self.payouts) if p is not None)]
        return all([part.is_valid() for part in parts])  # a list: every part shows its errors

    def filled(self, formset) -> list[dict]:
        if formset is None:
            return []
        return [form.cleaned_data for form in formset.forms if form.has_changed()]

    def filled_forms(self, formset) -> list:
        return [form for form in formset.forms if form.has_changed()] if formset is not None else []


def ledger_sheet(*, data=None, labels: dict, columns: list[str], payout_kinds: list[str],
                 lends: bool, dues=None, draw=None) -> LedgerSheet:
    """The sheet for the members in `labels` (Person -> the name shown), in that order, with
    the member columns kept by the group; `dues` (services.meeting_ledger.Due) prefill it, and
    `draw` (services.meeting_ledger.Draw) the first payout row with the arisan draw."""
    people = list(labels)
    member_class = forms.formset_factory(
        MemberRowForm, formset=BaseMemberRows, extra=0, min_num=len(people), max_num=len(people),
        absolute_max=max(len(people), 1), validate_min=True, validate_max=True,
    )
    initial = [
        {"member": due.person.ref, "present": True,  # amounts as people write them: 20.000
         **{name: amounts.format_amount(getattr(due, name)) for name in columns if getattr(due, name, None)}}
        for due in (dues or [])
    ] or [{"member": p.ref, "present": True} for p in people]
    members = member_class(
        data=data, initial=initial, prefix="m", people=people, columns=columns, labels=labels
    )
    for form, due in zip(members.forms, dues or [], strict=False):
        form.days_late = due.days_late  # shown next to the name: a repayment is overdue
    loans = payouts = None
    if lends:
        loan_class = forms.formset_factory(
            LoanRowForm, extra=LOAN_ROWS, max_num=MAX_ROWS, absolute_max=MAX_ROWS
        )
        loans = loan_class(data=data, prefix="loan", form_kwargs={"people": labels})
    if payout_kinds:
        payout_class = forms.formset_factory(PayoutRowForm, extra=PAYOUT_ROWS, max_num=MAX_ROWS,
                                             absolute_max=MAX_ROWS)
        payouts = payout_class(data=data, prefix="out", form_kwargs={"people": labels, "kinds": payout_kinds})
        if data is None and draw is not None and draw.person in labels and EntryKind.DRAW in payout_kinds:
            payouts.forms[0].initial = {"kind": EntryKind.DRAW, "person": draw.person.ref,
                                        "amount": amounts.format_amount(draw.pot)}
            payouts.forms[0].is_draw = True
    return LedgerSheet(LedgerHeadForm(data), members, loans, payouts)


class AddRowForm(forms.Form):
    """Which table of the posted sheet gets one more row (?add=loan or ?add=out)."""

    add = forms.ChoiceField(choices=[("loan", "loan"), ("out", "out")])


def with_one_more_row(data, prefix: str):
    """The posted sheet with one more (empty) row in the `prefix` formset, up to MAX_ROWS."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        count = int(data.get(key, 0))
    except ValueError:
        count = 0
    data[key] = str(min(max(count, 0) + 1, MAX_ROWS))
    return data


class RotationForm(forms.Form):
    """The arisan order: each member's turn number (1 = draws first), or drawn by lot."""

    how = forms.ChoiceField(
        label=_("How the order is set"), choices=RotationHow.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, labels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = list(labels)
        for person, label in labels.items():
            self.fields[f"turn_{person.ref}"] = forms.IntegerField(
                label=label, min_value=1, max_value=len(labels), required=False
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how") != RotationHow.AGREED:
            return cleaned
        turns = {p: cleaned.get(f"turn_{p.ref}") for p in self.people}
        if None in turns.values() or len(set(turns.values())) != len(turns):
            raise forms.ValidationError(_("Give every member a different turn number, from 1 up."))
        cleaned["order"] = sorted(turns, key=turns.get)
        return cleaned
