"""Form fields shared by several forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

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
# make a name read differently on screen than it is stored (issue 9, finding 15).
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
