"""One cell into one value, or an Invalid error whose message says what is wrong (translated).

Numbers (coordinates) take a dot or a comma as decimal separator and no thousands separators.
Amounts are read by groups/amounts.py, the rule the forms and the meeting sheet use too:
"50.000" is fifty thousand, "12,5" twelve and a half, "1,5 jt" one and a half million.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from groups import amounts
from groups.forms.fields import DIRECTION_CONTROLS, refuse_direction_controls
from groups.models import RATED_ALONE_ERROR, REF_PATTERN, raters_of

REF_MAX_LENGTH = 64
_REF = re.compile(REF_PATTERN)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"[0-9]{1,9}")
_PHONE = re.compile(r"\+?[0-9 ()\-]{6,30}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Invalid(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None or not DIRECTION_CONTROLS.isdisjoint(text)


def check_characters(text: str) -> None:
    if _CONTROL.search(text):
        raise Invalid(_("The cell contains a control character; remove it."))
    try:
        refuse_direction_controls(text)  # the forms' check
    except ValidationError as error:
        raise Invalid(error.messages[0]) from error


def is_ref(text: str) -> bool:
    return 0 < len(text) <= REF_MAX_LENGTH and _REF.fullmatch(text) is not None


def ref(text: str) -> str:
    if len(text) > REF_MAX_LENGTH or not _REF.fullmatch(text):
        raise Invalid(
            _(
                "“%(value)s” is not a valid code: use at most %(max)s letters, digits, dots, dashes "
                "and underscores, starting with a letter or digit."
            )
            % {"value": text[:80], "max": REF_MAX_LENGTH}
        )
    return text


def text(value: str, max_length: int | None = None) -> str:
    if max_length is not None and len(value) > max_length:
        raise Invalid(_("The text is longer than %(max)s characters.") % {"max": max_length})
    return value


def date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            _("“%(value)s” is not a date written like 2026-03-31.") % {"value": value[:40]}
        ) from None


def integer(value: str, low: int, high: int) -> int | None:
    if not value:
        return None
    if not _INTEGER.fullmatch(value):
        raise Invalid(_("“%(value)s” is not a whole number.") % {"value": value[:40]})
    number = int(value)
    if not low <= number <= high:
        raise Invalid(_("The number must be from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


def raters(value: str, rated_by: str) -> int | None:
    """How many people rated a norm (norm_reviews.csv): a whole number from 1 to 10000, and 1
    when the leader or the facilitator rated alone (models.raters_of, as on the review form)."""
    number = integer(value, 1, 10000)
    try:
        return raters_of(rated_by, number)
    except ValueError:
        raise Invalid(str(RATED_ALONE_ERROR)) from None


def decimal(
    value: str, *, places: int, low: Decimal, high: Decimal, negative_message: str = ""
) -> Decimal | None:
    if not value:
        return None
    pattern = rf"-?[0-9]{{1,12}}([.,][0-9]{{1,{places}}})?"
    if not re.fullmatch(pattern, value):
        raise Invalid(
            _(
                "“%(value)s” is not a number like 1500 or 2.5 (no thousands separators, at most "
                "%(places)s decimals)."
            )
            % {"value": value[:40], "places": places}
        )
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise Invalid(_("“%(value)s” is not a number.") % {"value": value[:40]}) from None
    if number < 0 and negative_message:
        raise Invalid(negative_message)
    if not low <= number <= high:
        raise Invalid(_("The number must be from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


def amount(value: str) -> Decimal | None:
    try:
        return amounts.parse_amount(value)
    except amounts.AmountError as error:
        raise Invalid(error.message) from None


_YES = frozenset({"yes", "1", "true", "ya"})
_NO = frozenset({"no", "0", "false", "tidak"})


def yes_no(value: str) -> bool | None:
    """yes/no, 1/0, true/false, ya/tidak (any case) -> True/False; blank -> None."""
    if not value:
        return None
    word = value.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise Invalid(
        _("“%(value)s” is not yes or no. Write yes, no, 1, 0, true, false, ya or tidak, or leave it blank.")
        % {"value": value[:40]}
    )


def phone(value: str) -> str:
    if value and not _PHONE.fullmatch(value):
        raise Invalid(
            _(
                "“%(value)s” is not a phone number: use digits, spaces, dashes and brackets, "
                "optionally starting with +."
            )
            % {"value": value[:40]}
        )
    return value


def _normalise(label: str) -> str:
    return " ".join(label.casefold().replace("_", " ").replace("-", " ").split())


class Codes:
    """A fixed list read by its code, its English or Indonesian label, or a word from the label.

    "Arisan (rotating savings)" is found as "arisan (rotating savings)", "Arisan" and
    "rotating savings"; "Desa / kelurahan" as "desa" and "kelurahan". A word that would name
    two codes names neither; a code always names itself.
    """

    def __init__(self, choices: type[models.TextChoices]):
        self.codes = list(choices.values)
        found: dict[str, set[str]] = {}
        for code, label in choices.choices:
            for language in ("en", "id"):
                with translation.override(language):
                    shown = str(label)
                for alias in self._aliases(shown):
                    found.setdefault(_normalise(alias), set()).add(code)
        self.lookup = {key: codes.pop() for key, codes in found.items() if len(codes) == 1 and key}
        for code in self.codes:
            self.lookup[_normalise(code)] = code

    @staticmethod
    def _aliases(label: str) -> list[str]:
        base, _sep, inner = label.partition("(")
        aliases = [label, base]
        aliases += re.split(r"\s/\s", base)
        aliases += re.split(r"[/,]", inner.rstrip(") "))
        return aliases

    def __call__(self, value: str, default: str | None = None) -> str | None:
        if not value:
            return default
        code = self.lookup.get(_normalise(value))
        if code is None:
            raise Invalid(
                _("“%(value)s” is not a known value. Use one of: %(codes)s.")
                % {"value": value[:60], "codes": ", ".join(self.codes)}
            )
        return code
