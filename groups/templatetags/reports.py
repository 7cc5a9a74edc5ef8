"""Template helpers for the report pages: percentages, links to indicator definitions.

Numbers are stored unrounded; they are rounded here, at display time only.
"""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext

from groups.amounts import format_amount
from groups.scores import evidence
from groups.scores.indicators import INDICATORS, indicator_anchor

register = template.Library()


@register.filter
def pct(value, digits=0):
    """A share 0..1 as a localised percentage: 0.456 -> "46%" ("45,6%" with digits=1)."""
    if value is None or value == "":
        return "–"
    try:
        number = round(float(value) * 100, int(digits))
    except (TypeError, ValueError, OverflowError):
        return "–"
    if not math.isfinite(number):
        return "–"
    if number == 0:
        number = 0.0  # never "-0%"
    return gettext("%(number)s%%") % {"number": number_format(number, decimal_pos=int(digits))}


@register.filter
def num(value, digits=2):
    """A localised number with up to ``digits`` decimals (trailing zeros dropped); "–" when
    undefined."""
    if value is None or value == "":
        return "–"
    return floatformat(value, -int(digits))


@register.filter
def rupiah(value):
    """An amount of money, whole rupiah, written the Indonesian way (groups/amounts.py):
    1500000.4 -> "Rp 1.500.000"; "–" when undefined."""
    if value is None or value == "":
        return "–"
    try:
        whole = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return "–"
    return f"Rp {format_amount(whole)}"


@register.filter
def figure(value, kind):
    """A registry value as its kind shows it: a share as a percentage, an amount in rupiah, a
    count whole, any other number with up to two decimals."""
    if kind == "share":
        return pct(value)
    if kind == "amount":
        return rupiah(value)
    if kind == "count":
        return num(value, 0)
    return num(value)


@register.simple_tag
def indicator_url(key):
    """The methodology page's address for an indicator, e.g. /methodology/#self-reliance."""
    return f"{reverse('groups:methodology')}#{indicator_anchor(key)}"


@register.filter
def indicator_label(key):
    """A score's label as plain text (a stacked table cell's column name on a phone)."""
    return INDICATORS.get(key, key)


@register.simple_tag
def indicator(key, label=None):
    """A link from a score's label to its definition on the methodology page."""
    text = label if label is not None else INDICATORS.get(key, key)
    return format_html('<a class="indicator" href="{}">{}</a>', indicator_url(key), text)


@register.simple_tag
def shown(key, text, bases):
    """A formatted value with the number of records it rests on ("38% of 26 exchanges"), or
    "too few records (n)" below its minimum (groups/scores/evidence.py)."""
    return evidence.shown(key, str(text), bases)


def _points(value) -> int | None:
    """A share as whole percentage points, rounded as ``pct`` shows it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number * 100) if math.isfinite(number) else None


def _signed_points(points: int | None) -> str:
    if points is None:
        return "–"
    return ("+" if points > 0 else "") + gettext("%(number)s%%") % {"number": number_format(points)}


@register.simple_tag
def pct_change(before, after):
    """The change between two shares as shown: the difference of the rounded percentages, so
    "29%, 34%" reads "+5%", never "+4%". A sign only for a shown non-zero change."""
    shown_before, shown_after = _points(before), _points(after)
    if shown_before is None or shown_after is None:
        return "–"
    return _signed_points(shown_after - shown_before)


@register.simple_tag
def pct_change_against(before, after, median):
    """That shown change less the shown median change of the comparison groups."""
    shown = [_points(v) for v in (before, after, median)]
    if None in shown:
        return "–"
    return _signed_points(shown[1] - shown[0] - shown[2])


@register.simple_tag
def pct_signed(value):
    """A change in a share with its sign, signed after rounding (never "+0%")."""
    return _signed_points(_points(value))
