"""A coordinator's target for one indicator of their area (scores/targets.py says which
indicators, whether each is a floor or a ceiling, and its range)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.scores.indicators import COUNT, SHARE
from groups.scores.targets import AT_LEAST, TARGETABLE


def _choice_label(rule) -> str:
    unit = {SHARE: _("percent"), COUNT: _("number")}.get(rule.kind, _("rating 1 to 5"))
    if rule.direction == AT_LEAST:
        return _("%(indicator)s: at least (%(unit)s)") % {"indicator": rule.label, "unit": unit}
    return _("%(indicator)s: at most (%(unit)s)") % {"indicator": rule.label, "unit": unit}


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"), choices=())
    goal = forms.DecimalField(
        label=_("Target"),
        max_digits=7,
        decimal_places=2,
        localize=True,
        help_text=_("For a share, a percentage: 60 means 60%."),
    )
    near = forms.DecimalField(
        label=_("Near band"),
        max_digits=7,
        decimal_places=2,
        localize=True,
        required=False,
        min_value=0,
        help_text=_("How far from the target still counts as near (in the same unit). Empty: 0."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(key, _choice_label(rule)) for key, rule in TARGETABLE.items()]

    def clean(self):
        data = super().clean()
        rule = TARGETABLE.get(data.get("indicator"))
        goal, near = data.get("goal"), data.get("near") or Decimal(0)
        data["near"] = near
        if rule is None or goal is None:
            return data
        if goal < rule.lowest or (rule.highest is not None and goal > rule.highest):
            high = rule.highest if rule.highest is not None else "…"
            self.add_error(
                "goal", _("Give a target from %(low)s to %(high)s.") % {"low": rule.lowest, "high": high}
            )
        elif rule.kind == COUNT and goal != goal.to_integral_value():
            self.add_error("goal", _("Give a whole number."))
        span = (rule.highest - rule.lowest) if rule.highest is not None else None
        if span is not None and near > span:
            self.add_error(
                "near", _("The near band cannot be wider than the scale (%(span)s).") % {"span": span}
            )
        return data
