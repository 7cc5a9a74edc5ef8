"""How an amount is read and shown: the one rule for the member form, the meeting sheet and
the CSV import.

Amounts are read the Indonesian way whatever the page's language: "." groups thousands and
"," marks decimals ("50.000", "Rp 1.500.000", "12,5"). An amount has at most two decimals, so
a separator followed by exactly three digits always groups thousands: "50,000" (written the
English way) is read as fifty thousand, never as fifty, and "12.5" as twelve and a half.
"rb"/"ribu"/"k" multiply by a thousand and "jt"/"juta" by a million ("Rp50rb", "1,5 jt"); the
closing ",-" of "Rp 50.000,-" is allowed.
"""

import re
from decimal import Decimal

from django.utils.translation import gettext as _

PLACES = 2
HIGHEST = Decimal("999999999999.99")  # what the amount column (14 digits, 2 decimals) holds

_SUFFIXES = {"rb": 1000, "ribu": 1000, "k": 1000, "jt": 1_000_000, "juta": 1_000_000}
_WRITTEN = re.compile(
    r"(?P<minus>-)?(?:rp\.?|idr)?(?P<number>[0-9.,]*[0-9])(?:[.,]-)?(?P<suffix>rb|ribu|k|jt|juta)?",
    re.IGNORECASE,
)
_THOUSANDS_DOT = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?")  # 1.500.000,50
_THOUSANDS_COMMA = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?")  # 1,500,000.50
_PLAIN = re.compile(r"[0-9]+(?:[.,][0-9]+)?")  # 50000, 12,5, 12.5


class AmountError(ValueError):
    """The text is not an amount; `message` says why, in the active language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _example_error(text: str) -> AmountError:
    return AmountError(
        _("“%(value)s” is not an amount. Write it like 50.000, Rp 50.000, 12,5 or 1,5 jt.")
        % {"value": text[:40]}
    )


def parse_amount(text: str) -> Decimal | None:
    """The amount written in `text` (None when empty), or AmountError with a message."""
    written = re.sub(r"[\s\u00a0]", "", text or "")
    if not written:
        return None
    match = _WRITTEN.fullmatch(written)
    if match is None:
        raise _example_error(text)
    number = match["number"]
    if _THOUSANDS_DOT.fullmatch(number):
        digits = number.replace(".", "").replace(",", ".")
    elif _THOUSANDS_COMMA.fullmatch(number):
        digits = number.replace(",", "")
    elif _PLAIN.fullmatch(number):
        digits = number.replace(",", ".")
    else:
        raise _example_error(text)
    amount = Decimal(digits)
    if match["suffix"]:
        amount *= _SUFFIXES[match["suffix"].lower()]
    if match["minus"] and amount:
        raise AmountError(_("The amount cannot be negative."))
    amount = amount.normalize() if amount == amount.to_integral() else amount
    if -amount.as_tuple().exponent > PLACES:
        raise AmountError(
            _("“%(value)s” has more than two decimals; an amount has at most two.") % {"value": text[:40]}
        )
    if amount > HIGHEST:
        raise AmountError(_("The amount is too large."))
    return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount


def format_amount(amount: Decimal) -> str:
    """An amount written the Indonesian way: 50.000, 1.500.000, 12,50."""
    whole, _sep, decimals = f"{amount:f}".partition(".")
    decimals = decimals.rstrip("0").ljust(PLACES, "0") if decimals.strip("0") else ""
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{grouped},{decimals}" if decimals else grouped


def read_as(amount: Decimal) -> str:
    """The plain sentence that says what was understood."""
    return _("Read as %(amount)s.") % {"amount": format_amount(amount)}


_RUPIAH = re.compile(r"^-?(rp|idr)|(rb|ribu|jt|juta)(,-)?$")


def unit_for(text: str, unit: str) -> str:
    """The unit of an amount as written: the unit given, else "IDR" when the amount itself says
    rupiah ("Rp 50.000", "IDR 50000", "50rb", "1,5 jt"), else "" (hours, kg, ... are written
    in the unit field)."""
    if (unit or "").strip():
        return unit.strip()
    written = re.sub(r"[\s\u00a0]", "", text or "").lower()
    return "IDR" if written and _RUPIAH.search(written) else ""

