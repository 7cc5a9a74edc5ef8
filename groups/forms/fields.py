"""Form fields shared by several forms."""

import datetime
import uuid

from django import forms
from django.urls import reverse_lazy
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from groups import amounts

# The largest primary key a BigAutoField can hold: anything bigger cannot name a row, and
# passing it to the database raises an overflow (SQLite) or out-of-range error (PostgreSQL).
MAX_PK = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Rejects ids that are not whole numbers in the database's range as an ordinary
    "not one of the choices" error before the database sees them."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except (TypeError, ValueError):
                continue  # the parent reports it as an invalid value
            if not 0 < number <= MAX_PK:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


# Bidirectional embeddings, overrides and isolates, and the direction marks: invisible, they
# make a name read differently on screen than it is stored.
DIRECTION_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def refuse_direction_controls(value) -> None:
    """The one check for names and short texts: forms (TextHygieneMixin) and the importer."""
    if isinstance(value, str) and not DIRECTION_CONTROLS.isdisjoint(value):
        raise forms.ValidationError(
            _("Remove the invisible characters that change the direction of text."),
            code="direction_controls",
        )


class TextHygieneMixin:
    """Every text field of the form refuses direction controls (see refuse_direction_controls)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_direction_controls)


def date_in_words(value) -> str:
    """A date as words in the page's language ("Wednesday, 2 December 2026"), so that day
    and month cannot be swapped whatever order the phone's date picker shows them in."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return ""
    if not isinstance(value, datetime.date):
        return ""
    return formats.date_format(value, "l, j F Y")


class DateInput(forms.DateInput):
    """A native date picker (browsers send and expect ISO dates), followed by the chosen date
    in words, updated as it changes: the picker's own order (dd/mm or mm/dd) follows the
    phone's settings, not the page, so the words say which day was meant."""

    input_type = "date"

    def __init__(self, attrs=None):
        attrs = {
            "hx-get": reverse_lazy("groups:date_read"),
            "hx-trigger": "change",
            "hx-target": "next .date-read",
            "hx-swap": "innerHTML",
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def render(self, name, value, attrs=None, renderer=None):
        words = date_in_words(value) or _("Day, month and year: the date chosen is written here in words.")
        return super().render(name, value, attrs, renderer) + format_html(
            '<output class="date-read" aria-live="polite">{}</output>', words
        )


class AmountInput(forms.TextInput):
    """A text input followed by the place where "Read as 50.000" appears."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, attrs, renderer) + mark_safe(
            '<output class="amount-read" aria-live="polite"></output>'
        )


class AmountField(forms.DecimalField):
    """An amount as people write it, read by groups/amounts.py (the one rule for forms, the
    meeting sheet and imports): "50.000", "Rp 50.000", "12,5", "Rp50rb", "1,5 jt". Its widget
    asks the server, as the user types, what the text is read as."""

    widget = AmountInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", amounts.PLACES)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)
        self.error_messages.setdefault("min_value", _("The amount cannot be negative."))
        self.widget.attrs.update(
            {
                "hx-get": reverse_lazy("groups:amount_read"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "next .amount-read",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        )

    def widget_attrs(self, widget):
        # DecimalField would add step/min/max meant for a number input; this is text.
        return {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return amounts.parse_amount(str(value))
        except amounts.AmountError as error:
            raise forms.ValidationError(error.message, code="invalid") from None

    def validate(self, value):
        forms.Field.validate(self, value)


class TokenField(forms.UUIDField):
    """The one-time token of a create form. Shown again as posted, so that correcting an
    error and sending again is still the same form; a garbled one is replaced by a fresh one
    (the form can then be sent once more)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        out_of_date = _("This form is out of date. Check the details and send it again.")
        kwargs.setdefault("error_messages", {"required": out_of_date, "invalid": out_of_date})
        super().__init__(initial=uuid.uuid4, **kwargs)

    def bound_data(self, data, initial):
        try:
            return uuid.UUID(str(data))
        except ValueError:
            return uuid.uuid4()


class SubmitOnce:
    """A create form sent once: adds the hidden `token` (see services/submissions.py) and
    keeps it out of cleaned_data, so views pass cleaned_data on unchanged."""

    token: uuid.UUID | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"] = TokenField()

    def clean(self):
        cleaned = super().clean()
        self.token = cleaned.pop("token", None)
        return cleaned
