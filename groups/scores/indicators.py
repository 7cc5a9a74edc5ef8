"""The one indicator registry: what each indicator is called, how it is shown, how close to
the area's median counts as "about the same", whether it is trended per quarter, and its
anchor on the methodology page. Pages, sentences, the quarterly trend, exports and the
methodology page all read it; a new indicator is one entry here (plus its formula in
analysis.py and its section in templates/groups/methodology.html).

Kinds: "share" (0..1, shown as a percentage), "count" (a whole number), "amount" (money in the
fund's currency, rupiah, shown the Indonesian way), "number" (any other number, e.g. the E-I
index from -1 to 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import evidence

SHARE, COUNT, NUMBER, AMOUNT = "share", "count", "number", "amount"
#: Amounts within this many rupiah of the median read "about the same".
RUPIAH_TOLERANCE = 10_000.0


@dataclass(frozen=True)
class Indicator:
    key: str  # as in the analysis and GroupScore/PersonScore, unless area_field says otherwise
    label: Promise
    kind: str = NUMBER
    tolerance: float = 0.05  # |value - median| within this reads "about the same"
    area_field: str | None = None  # the AreaScores field shown on the dashboard, when it differs
    area_trend: str | None = None  # its field in snapshot.trend["area"]; None: not trended
    group_trend: bool = False  # trended per quarter in GroupScore.trend

    @property
    def minimum(self) -> int:
        """The least number of records the value needs to be shown (evidence.py names them)."""
        return evidence.minimum(self.key)

    @property
    def unit(self) -> str:
        """What its base counts ("exchanges", "ties", ...; evidence.py)."""
        return evidence.unit(self.key)

    @property
    def anchor(self) -> str:
        """The methodology page's fragment id: "self_reliance" -> "self-reliance"."""
        return self.key.replace("_", "-")


# In the order of the methodology page.
REGISTRY: tuple[Indicator, ...] = (
    Indicator("exchanges", _("Exchanges"), COUNT, 0.5, area_trend="exchanges", group_trend=True),
    Indicator("people", _("People"), COUNT, 0.5, area_trend="people"),
    Indicator("groups", _("Groups"), COUNT, 0.5),
    Indicator("size", _("Members"), COUNT, 0.5, group_trend=True),
    Indicator("actors", _("Outside institutions in contact"), COUNT, 0.5),
    Indicator(
        "bonding",
        _("Bonding ties"),
        SHARE,
        area_field="bonding_share",
        area_trend="bonding_share",
        group_trend=True,
    ),
    Indicator(
        "bridging",
        _("Bridging ties"),
        SHARE,
        area_field="bridging_share",
        area_trend="bridging_share",
        group_trend=True,
    ),
    Indicator(
        "linking",
        _("Linking ties"),
        SHARE,
        area_field="linking_share",
        area_trend="linking_share",
        group_trend=True,
    ),
    Indicator("reciprocity", _("Reciprocity"), SHARE, area_trend="reciprocity", group_trend=True),
    Indicator(
        "self_reliance", _("Self-reliance"), SHARE, area_trend="median_self_reliance", group_trend=True
    ),
    Indicator("aid_dependence", _("Dependence on outside aid"), SHARE, group_trend=True),
    Indicator("aid_value_share", _("Aid by value (rupiah)"), SHARE),
    Indicator("capacity_building", _("Capacity building from institutions"), COUNT, 0.5),
    Indicator("learning_share", _("Learning share"), SHARE, group_trend=True),
    Indicator("balanced_share", _("Members who give about as much as they receive"), SHARE),
    Indicator(
        "participation", _("Participation"), SHARE, area_trend="median_participation", group_trend=True
    ),
    Indicator("quiet", _("Quiet groups"), COUNT, 0.5),
    # The group's own money (money.py; SAVIX-style, computed over the fund's cycle).
    Indicator("savings_per_member", _("Savings per member"), AMOUNT, RUPIAH_TOLERANCE, group_trend=True),
    Indicator("loans_outstanding", _("Loans outstanding"), AMOUNT, RUPIAH_TOLERANCE),
    Indicator("borrowing_share", _("Members borrowing"), SHARE),
    Indicator("par30", _("Portfolio at risk (over 30 days)"), SHARE, group_trend=True),
    Indicator("return_on_savings", _("Return on savings (a year)"), SHARE),
    Indicator("fund_utilisation", _("Fund lent out"), SHARE),
    Indicator("social_payouts", _("Social fund payouts"), AMOUNT, RUPIAH_TOLERANCE),
    Indicator("ledger_attendance", _("Attendance at ledger meetings"), SHARE),
    Indicator("drop_out", _("Drop-out"), SHARE),
    Indicator("own_capital_share", _("Own capital share"), SHARE, group_trend=True),
    Indicator(
        "norm_rating",
        _("How well norms are kept"),
        NUMBER,
        0.25,
        area_trend="median_norm_rating",
        group_trend=True,
    ),
    Indicator("density", _("Density"), SHARE, area_trend="median_density", group_trend=True),
    Indicator("transitivity", _("Closure (transitivity)"), SHARE),
    Indicator(
        "ei_index",
        _("Outward orientation (E-I index)"),
        NUMBER,
        0.1,
        area_trend="median_ei_index",
        group_trend=True,
    ),
    Indicator("centralization", _("Centralisation"), NUMBER, 0.1),
    Indicator("bridging_groups", _("Groups sharing members"), COUNT, 0.5),
    Indicator("linking_actors", _("Institutions with authority linked"), COUNT, 0.5),
    Indicator("partners", _("Exchange partners"), COUNT, 0.5),
    Indicator("given_received", _("Given and received"), COUNT, 0.5),
    Indicator("resource_access", _("Access to resources"), COUNT, 0.5),
    Indicator("betweenness", _("Go-between score (betweenness)")),
    Indicator("brokers", _("Brokers"), COUNT, 0.5),
    Indicator("cut_off", _("People who would lose touch"), COUNT, 0.5),
    Indicator("bridges", _("Ties that hold the network together"), COUNT, 0.5),
    Indicator("constraint", _("Constraint")),
    Indicator("effective_size", _("Effective network size")),
    Indicator("isolated_share", _("People with no exchange"), SHARE, area_trend="isolated_share"),
    Indicator("components", _("Separate clusters"), COUNT, 0.5, area_trend="components"),
    Indicator("median", _("Area median")),
)
BY_KEY: dict[str, Indicator] = {i.key: i for i in REGISTRY}
#: key -> label, for templates (the methodology page's headings, {% indicator %} links).
INDICATORS = {i.key: i.label for i in REGISTRY}

#: Counted per quarter beside the indicators (the number of ties behind the shares).
AREA_TREND_EXTRA = ("ties",)
#: Area indicators per quarter (snapshot.trend["area"]); "median_<x>" = median over groups.
TREND_AREA_FIELDS: tuple[str, ...] = tuple(i.area_trend for i in REGISTRY if i.area_trend) + AREA_TREND_EXTRA
#: Counted per quarter for the areas-within table's change (snapshot.trend["area"] and each
#: part's): groups, quiet groups, people whose absence would cut others off (snapshots.py).
TREND_COUNTS = ("groups", "quiet", "cut_off")
#: Group indicators per quarter (GroupScore.trend).
TREND_GROUP_FIELDS: tuple[str, ...] = tuple(i.key for i in REGISTRY if i.group_trend)

# What each page shows, in its order (labels, kinds and tolerances come from the entries).
DASHBOARD_FIGURES = (
    "people",
    "groups",
    "actors",
    "exchanges",
    "isolated_share",
    "components",
    "bonding",
    "bridging",
    "linking",
    "reciprocity",
)

GROUP_PROFILE = (
    "bonding",
    "bridging",
    "linking",
    "reciprocity",
    "self_reliance",
    "learning_share",
    "participation",
)
GROUP_MORE = (
    "aid_dependence",
    "aid_value_share",
    "capacity_building",
    "balanced_share",
    "bridges",
    "density",
    "ei_index",
    "centralization",
    "bridging_groups",
    "linking_actors",
    "norm_rating",
)
#: The group's money on its report (own_capital_share also joins self-reliance in the profile).
GROUP_MONEY = (
    "savings_per_member",
    "loans_outstanding",
    "borrowing_share",
    "par30",
    "return_on_savings",
    "fund_utilisation",
    "social_payouts",
    "ledger_attendance",
    "drop_out",
)
#: The group's money per quarter on its report (each trended: group_trend).
GROUP_MONEY_TREND = ("savings_per_member", "own_capital_share", "par30")
#: The money columns of groups.csv (export_scores and the browser download), in their order.
MONEY_COLUMNS = (
    "savings_per_member",
    "loans_outstanding",
    "borrowing_share",
    "par30",
    "return_on_savings",
    "fund_utilisation",
    "social_payouts",
    "own_capital_share",
)
#: What the map of groups can colour its markers by (pages/map.py), and what groups.geojson
#: gives of each group's latest scores.
MAP_FIGURES = (
    "participation",
    "self_reliance",
    "aid_dependence",
    "bonding",
    "bridging",
    "linking",
    "norm_rating",
    "exchanges",
    "size",
)
GROUP_TREND_CHART = ("bonding", "self_reliance", "learning_share", "participation")
GROUP_TREND_TABLE = ("exchanges", *GROUP_TREND_CHART)
CHANGE_ROWS = (
    "exchanges",
    "size",
    "learning_share",
    "linking",
    "linking_actors",
    "self_reliance",
    "aid_dependence",
    "reciprocity",
    "density",
    "participation",
    "norm_rating",
)


def indicator_anchor(key: str) -> str:
    """The methodology page's fragment id for an indicator: "self_reliance" -> "self-reliance"."""
    return BY_KEY[key].anchor if key in BY_KEY else key.replace("_", "-")


def label(key: str) -> str:
    return str(INDICATORS[key])


def compare(value, median, tolerance: float) -> str:
    """ "higher", "lower" or "same" against the median, "" when either is undefined."""
    if value is None or median is None:
        return ""
    if value - median > tolerance:
        return "higher"
    if median - value > tolerance:
        return "lower"
    return "same"
