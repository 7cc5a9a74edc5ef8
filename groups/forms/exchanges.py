"""Forms for a member's exchanges: logging one, finding the other party, answering, paging."""

import uuid
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from groups import amounts
from groups.models import ExternalActor, Group, Membership, Person, Resource

from .fields import AmountField, DateInput, TextHygieneMixin

GAVE, RECEIVED = "gave", "received"
DIRECTIONS = [(GAVE, _("I gave")), (RECEIVED, _("I received"))]


def party_key(party: Person | ExternalActor) -> str:
    """How a person or an actor travels in a form: "person:REF" or "actor:REF"."""
    kind = "person" if isinstance(party, Person) else "actor"
    return f"{kind}:{party.ref}"


def find_party(key: str, *, people: QuerySet, actors: QuerySet) -> Person | ExternalActor | None:
    """The person or actor a party key names, if it is among the allowed ones."""
    kind, _sep, ref = key.partition(":")
    choices = {"person": people, "actor": actors}.get(kind)
    return choices.filter(ref=ref).first() if choices is not None and ref else None


class ExchangeForm(TextHygieneMixin, forms.Form):
    """ "I gave" / "I received": the member is one side, `party` the other."""

    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is out of date. Check the details and send it again."),
            "invalid": _("This form is out of date. Check the details and send it again."),
        },
    )
    direction = forms.ChoiceField(
        label=_("What happened?"),
        choices=DIRECTIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose “I gave” or “I received”.")},
    )
    party = forms.CharField(
        label=_("With whom?"),
        max_length=80,
        error_messages={"required": _("Choose the other person or institution from the list.")},
    )
    resource = forms.ChoiceField(
        label=_("What was it?"),
        choices=Resource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what was given.")},
    )
    date = forms.DateField(
        label=_("When?"),
        widget=DateInput,
        error_messages={"required": _("Give the date."), "invalid": _("Enter a valid date.")},
    )
    amount = AmountField(label=_("Amount (optional)"), required=False)
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=16,
        help_text=_("For example IDR, hours, kg."),
    )
    group = forms.ModelChoiceField(
        label=_("In which group? (optional)"),
        queryset=Group.objects.none(),
        required=False,
        to_field_name="ref",
        empty_label=_("Not in a group"),
        error_messages={"invalid_choice": _("Choose one of your groups.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, people: QuerySet, actors: QuerySet, groups: QuerySet, **kwargs):
        """people and actors: whom the member may choose; groups: the member's own groups."""
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("token", uuid.uuid4)
        kwargs["initial"].setdefault("date", timezone.localdate)
        super().__init__(*args, **kwargs)
        self.people = people
        self.actors = actors
        self.fields["group"].queryset = groups
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_party(self) -> Person | ExternalActor:
        party = find_party(self.cleaned_data["party"], people=self.people, actors=self.actors)
        if party is None:
            raise ValidationError(_("Choose the other person or institution from the list."))
        return party

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return date

    def clean(self):
        cleaned = super().clean()
        party, group = cleaned.get("party"), cleaned.get("group")
        if isinstance(party, Person) and group is not None:
            if not Membership.objects.open().filter(group=group, person=party).exists():
                self.add_error(
                    "group",
                    _("%(name)s is not a member of %(group)s.") % {"name": party, "group": group},
                )
        if cleaned.get("unit") and cleaned.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Give the amount too, or leave the unit empty."))
        if cleaned.get("amount") is not None:  # "Rp 50.000" with no unit is rupiah
            written = self.data.get(self.add_prefix("amount"), "")
            cleaned["unit"] = amounts.unit_for(written, cleaned.get("unit", ""))
        return cleaned

    @cached_property
    def render_token(self) -> uuid.UUID:
        """The token to put in the page: the posted one when it is valid, else a fresh one
        (so that a form sent without a usable token can be sent again)."""
        try:
            return uuid.UUID(str(self["token"].value()))
        except ValueError:
            return uuid.uuid4()


class ExchangeStartForm(forms.Form):
    """The query string of the log page: ?direction=gave|received&q=name (entry links and
    the search that works without JavaScript)."""

    direction = forms.ChoiceField(choices=DIRECTIONS, required=False)
    q = forms.CharField(required=False, max_length=100, strip=True)


class PartySearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=100, strip=True)
    party = forms.CharField(required=False, max_length=80)


class AnswerForm(forms.Form):
    """Confirm or dispute: only where to go back to (a path on this site, else nowhere)."""

    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, allowed_hosts: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_hosts = allowed_hosts

    def clean_next(self) -> str:
        """A path on this site ("/exchanges/?page=2"), never another site or a bare word."""
        url = self.cleaned_data["next"]
        if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=self.allowed_hosts):
            return url
        return ""


class AmountReadForm(forms.Form):
    """What an amount being typed is read as (asked as one types, see AmountField)."""

    amount = AmountField(required=False)

    def __init__(self, query, **kwargs):
        # The amount field of any form asks: its name varies ("amount", "rows-3-amount").
        typed = next((v for k, v in query.items() if k.endswith("amount")), "")
        super().__init__({"amount": typed}, **kwargs)


class DateReadForm(forms.Form):
    """What a date being chosen is, in words (asked by every date input, see DateInput)."""

    date = forms.DateField(required=False)

    def __init__(self, query, **kwargs):
        # Any date field of any form asks: its name varies ("date", "joined_on", "reviewed_on").
        chosen = next(iter(query.values()), "")
        super().__init__({"date": chosen}, **kwargs)


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1)


class PendingFilterForm(PageForm):
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Group.objects.none(),
        required=False,
        to_field_name="ref",
        empty_label=_("All my groups"),
        error_messages={"invalid_choice": _("Choose one of your groups.")},
    )

    def __init__(self, *args, groups: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
