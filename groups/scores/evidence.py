"""Enough evidence: the least number of records a value must rest on before it is shown as a
number, ranked, counted in a median, coloured or put into a sentence.

The numbers are named here once, and :data:`EVIDENCE` says which indicator needs which (the
registry's entries read theirs from it: ``Indicator.minimum`` and ``Indicator.unit``). A
value's base (how many records it rests on) is stored beside it in the ``bases`` dict of its
score row (analysis.py fills it). Below its minimum a value is shown as "too few records (n)"
(:func:`shown`), left out of rankings and medians (analysis takes :data:`MINIMUMS`), and no
sentence is made from it (sentences.py asks :func:`enough`). Exports keep the value and write
the base beside it ("<key>_base").
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from groups.amounts import format_amount

#: Exchanges behind a share of exchanges (learning share, self-reliance, dependence on aid).
EXCHANGES = 10
#: Ties behind a share of ties: a person's tie mix, a group's tie classes and E-I index,
#: reciprocity (each tie or giving pair is one record).
TIES = 5
#: Members behind density, closure and centralisation.
MEMBERS = 3
#: People with an exchange behind a share of people (how many give about as much as they get).
PEOPLE = 5
#: Activities with attendance recorded behind participation.
ACTIVITIES = 3
#: Reviewed norms behind a group's norm rating.
NORMS = 2
#: Loans outstanding behind a portfolio at risk (one late loan of two is not yet a portfolio).
LOANS = 3
#: Months of the cycle behind an annualised return (a few weeks' interest, times 52, misleads).
MONTHS = 3
#: Ledger entries of the cycle behind a share of the fund (utilisation, own capital).
LEDGER = 10

#: Indicator key -> (minimum, what its base counts). Only values that are shares or averages
#: of records have one; counts are what they are.
EVIDENCE: dict[str, tuple[int, str]] = {
    **dict.fromkeys(
        ("learning_share", "self_reliance", "aid_dependence", "aid_value_share"), (EXCHANGES, "exchanges")
    ),
    **dict.fromkeys(
        (
            "bonding",
            "bridging",
            "linking",
            "ei_index",
            "reciprocity",
            "bonding_ties",
            "bridging_ties",
            "linking_ties",
        ),
        (TIES, "ties"),
    ),
    **dict.fromkeys(("density", "transitivity", "centralization"), (MEMBERS, "members")),
    "balanced_share": (PEOPLE, "people"),
    "participation": (ACTIVITIES, "activities"),
    "norm_rating": (NORMS, "norms"),
    # the group's own money (money.py)
    **dict.fromkeys(("savings_per_member", "borrowing_share", "drop_out"), (MEMBERS, "members")),
    "par30": (LOANS, "loans"),
    "return_on_savings": (MONTHS, "months"),
    **dict.fromkeys(("fund_utilisation", "own_capital_share"), (LEDGER, "ledger_entries")),
    "ledger_attendance": (ACTIVITIES, "ledger_meetings"),
}
#: Indicator key -> its minimum (analysis.compute_scores takes this for rankings and medians).
MINIMUMS: dict[str, int] = {key: n for key, (n, _unit) in EVIDENCE.items()}


#: Shares of an amount (money.py stores the amount as bases["<key>_of"]): the amount is their
#: basis, the ledger entries only their evidence ("41% of a fund of 12.300.000, from 523 entries").
AMOUNT_BASES = frozenset({"fund_utilisation", "own_capital_share"})


def _amount_basis(key: str, values: dict, count: int) -> str:
    if key == "fund_utilisation":
        return ngettext(
            "%(value)s of a fund of %(amount)s (from %(count)d ledger entry)",
            "%(value)s of a fund of %(amount)s (from %(count)d ledger entries)", count,
        ) % values
    return ngettext(
        "%(value)s of a capital of %(amount)s (from %(count)d ledger entry)",
        "%(value)s of a capital of %(amount)s (from %(count)d ledger entries)", count,
    ) % values


#: Values that are not a share of their base (an index over it): "0.40 over 168 ties".
NOT_SHARES = frozenset({"ei_index"})


def _with_base(unit: str, value: str, count: int, share: bool = True) -> str:
    values = {"value": value, "count": count}
    if unit == "ties" and not share:
        return ngettext("%(value)s over %(count)d tie", "%(value)s over %(count)d ties", count) % values
    if unit == "exchanges":
        return ngettext("%(value)s of %(count)d exchange", "%(value)s of %(count)d exchanges", count) % values
    if unit == "ties":
        return ngettext("%(value)s of %(count)d tie", "%(value)s of %(count)d ties", count) % values
    if unit == "members":
        return (
            ngettext("%(value)s among %(count)d member", "%(value)s among %(count)d members", count) % values
        )
    if unit == "people":
        return (
            ngettext(
                "%(value)s of %(count)d person with exchanges",
                "%(value)s of %(count)d people with exchanges",
                count,
            )
            % values
        )
    if unit == "activities":
        return (
            ngettext(
                "%(value)s over %(count)d activity with attendance",
                "%(value)s over %(count)d activities with attendance",
                count,
            )
            % values
        )
    if unit == "norms":
        return (
            ngettext(
                "%(value)s from %(count)d reviewed norm", "%(value)s from %(count)d reviewed norms", count
            )
            % values
        )
    return _money_base(unit, values, count) or value


def _money_base(unit: str, values: dict, count: int) -> str:
    """The bases of the group's money figures ("60% of 4 loans outstanding")."""
    texts = {
        "loans": lambda: ngettext(
            "%(value)s of %(count)d loan outstanding", "%(value)s of %(count)d loans outstanding", count
        ),
        "months": lambda: ngettext(
            "%(value)s over %(count)d month of the cycle",
            "%(value)s over %(count)d months of the cycle",
            count,
        ),
        "ledger_entries": lambda: ngettext(
            "%(value)s from %(count)d ledger entry", "%(value)s from %(count)d ledger entries", count
        ),
        "ledger_meetings": lambda: ngettext(
            "%(value)s over %(count)d ledger meeting with attendance",
            "%(value)s over %(count)d ledger meetings with attendance",
            count,
        ),
    }
    return texts[unit]() % values if unit in texts else ""


def too_few(count: int) -> str:
    """What a page shows instead of a value below its minimum."""
    return gettext("too few records (%(count)s)") % {"count": number_format(count, 0)}


def minimum(key: str) -> int:
    """The least number of records the indicator `key` needs (0: none, e.g. a count)."""
    return MINIMUMS.get(key, 0)


def unit(key: str) -> str:
    """What the base of `key` counts ("exchanges", "ties", ...); "" without a minimum."""
    return EVIDENCE[key][1] if key in EVIDENCE else ""


def base_of(bases: Mapping[str, int] | None, key: str) -> int | None:
    """The number of records `key`'s value rests on; None when it was not stored (a snapshot
    from before bases were kept, or an indicator without one)."""
    if not bases or key not in bases:
        return None
    return int(bases[key])


def enough(key: str, bases: Mapping[str, int] | None) -> bool:
    """Whether the value of `key` rests on enough records to be shown, ranked, counted in a
    median, coloured or said in a sentence. A value with a minimum but no stored base is not
    trusted (it comes from before bases were kept: the next computation stores them)."""
    needed = minimum(key)
    if needed == 0:
        return True
    base = base_of(bases, key)
    return base is not None and base >= needed


def enough_value(key: str, value, bases: Mapping[str, int] | None):
    """The value when it has enough evidence, else None (for sentences and colours)."""
    return value if value is not None and enough(key, bases) else None


def shown(key: str, value: str, bases: Mapping[str, int] | None) -> str:
    """A formatted value as a page shows it: with its base ("38% of 26 exchanges"), or "too few
    records (n)" below its minimum. `value` is already formatted ("38%", "0.4")."""
    base = base_of(bases, key)
    if key == "social_payouts" and base is not None:  # an amount: with how many payouts made it
        return ngettext("%(value)s in %(count)d payout", "%(value)s in %(count)d payouts", base) % {
            "value": value, "count": base}
    if not minimum(key) or base == 0:  # nothing to rest on: the value is undefined ("–")
        return value
    if base is None:  # computed before bases were kept: reading.read asks for a fresh one
        return gettext("%(value)s (being recounted)") % {"value": value}
    if not enough(key, bases):
        return too_few(base)
    if key in AMOUNT_BASES and base_of(bases, f"{key}_of") is not None:
        amount = format_amount(Decimal(base_of(bases, f"{key}_of")))
        return _amount_basis(key, {"value": value, "count": base, "amount": amount}, base)
    return _with_base(unit(key), value, base, share=key not in NOT_SHARES)


def records(counted: str, count: int) -> str:
    """A number of records in words, for the methodology page ("10 exchanges")."""
    values = {"count": count}
    texts = {
        "exchanges": ngettext("%(count)d exchange", "%(count)d exchanges", count),
        "ties": ngettext("%(count)d tie", "%(count)d ties", count),
        "members": ngettext("%(count)d member", "%(count)d members", count),
        "people": ngettext("%(count)d person with exchanges", "%(count)d people with exchanges", count),
        "activities": ngettext(
            "%(count)d activity with attendance", "%(count)d activities with attendance", count
        ),
        "norms": ngettext("%(count)d reviewed norm", "%(count)d reviewed norms", count),
        "loans": ngettext("%(count)d loan outstanding", "%(count)d loans outstanding", count),
        "months": ngettext("%(count)d month of the cycle", "%(count)d months of the cycle", count),
        "ledger_entries": ngettext("%(count)d ledger entry", "%(count)d ledger entries", count),
        "ledger_meetings": ngettext(
            "%(count)d ledger meeting with attendance", "%(count)d ledger meetings with attendance", count
        ),
    }
    return texts[counted] % values


def table() -> list[dict]:
    """The minimums for the methodology page, one row per kind of base: the number in words,
    an example of a value below it, and the indicator keys that need it (read from EVIDENCE, so
    the page can never disagree with the code)."""
    rows: dict[tuple[str, int], list[str]] = {}
    for key, (n, counted) in EVIDENCE.items():
        rows.setdefault((counted, n), []).append(key)
    person_ties = {"bonding_ties", "bridging_ties", "linking_ties"}
    return [
        {
            "needed": records(counted, n),
            "minimum": n,
            "below": too_few(n - 1),
            "indicators": [k for k in keys if k not in person_ties],
            "person_ties": bool(person_ties & set(keys)),
        }
        for (counted, n), keys in rows.items()
    ]
