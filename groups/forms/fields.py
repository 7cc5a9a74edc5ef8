"""Form fields shared by several forms."""

from django import forms

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
