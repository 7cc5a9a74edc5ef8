"""Forms of the safety pages: the audit trail filter and the erasure confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.audit import AUDITED

ACTIONS = [
    ("", _("All changes")),
    ("0", pgettext_lazy("audit action", "Created")),
    ("1", pgettext_lazy("audit action", "Changed")),
    ("2", pgettext_lazy("audit action", "Deleted")),
]


def record_kinds():
    return [("", _("All records"))] + [
        (model._meta.model_name, model._meta.verbose_name_plural.capitalize()) for model in AUDITED
    ]


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Record"), required=False, choices=record_kinds)
    action = forms.ChoiceField(label=_("Change"), required=False, choices=ACTIONS)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000, widget=forms.HiddenInput)


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("The person asked to be removed, and I have told them what stays."),
        error_messages={"required": _("Tick the box to confirm the person asked for this.")},
    )
