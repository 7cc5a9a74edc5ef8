"""Template helpers for the report pages: percentages, links to indicator definitions.

Numbers are stored unrounded; they are rounded here, at display time only.
"""

import math

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext

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


@register.simple_tag
def indicator_url(key):
    """The methodology page's address for an indicator, e.g. /methodology/#self-reliance."""
    return f"{reverse('groups:methodology')}#{indicator_anchor(key)}"


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
