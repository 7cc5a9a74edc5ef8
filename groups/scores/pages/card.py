"""A group's report card: what a group can hold, print and share. Built from the group's row
of the latest snapshot (reading.read), nothing computed anew, and it names no member: the
read-aloud sentences only, key figures with their bases, the exchange picture without labels
(nodes are numbered, not referenced), the last four quarters, the norms with their latest
ratings. The HTML page, the PDF and the share image (groups/card_files.py) draw the same Card.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from groups.models import GroupScore
from groups.templatetags.reports import num, pct

from .. import charts, evidence, sentences
from ..indicators import BY_KEY, COUNT, GROUP_TREND_TABLE, SHARE, label
from .common import quarter_labels, safe_svg
from .group import norms_with_ratings, outward_members

#: The key figures, in the card's order.
FIGURES = ("size", "exchanges", "self_reliance", "learning_share", "participation", "norm_rating")
#: Of those, the share image's headline.
HEADLINE = ("exchanges", "self_reliance", "learning_share", "participation")
QUARTERS = 4


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    text: str  # the value with its base ("38% of 26 exchanges"), or "too few records (3)"


@dataclass(frozen=True)
class Norm:
    statement: str
    rating: int | None
    reviewed_on: object  # date of the latest review, or None
    due: bool


@dataclass(frozen=True)
class Picture:
    """The members' exchange picture without names: nodes (x, y in 0..1, kind) and edges
    (index, index, kind). kind: member, outsider or actor; edges: bonding, bridging, linking."""

    nodes: tuple[tuple[float, float, str], ...]
    edges: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class Card:
    group: str
    kind: str
    area: str
    period_start: object
    period_end: object
    sentences: tuple[str, ...]
    figures: tuple[Figure, ...]
    trend_keys: tuple[str, ...]
    trend_labels: tuple[str, ...]  # the column headings
    trend: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (quarter, ((heading, value shown), ...))
    norms: tuple[Norm, ...]
    picture: Picture

    @property
    def headline(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.key in HEADLINE)


def group_card(group, score: GroupScore) -> Card:
    """The card of `group` from its score row (the caller sets the card's language)."""
    snapshot = score.snapshot
    network = score.network or {}
    members = {n["ref"] for n in network.get("nodes", []) if n.get("member")}
    outward = len(outward_members(network.get("edges", []), members))
    return Card(
        group=group.name,
        kind=group.get_kind_display(),
        area=group.area.name,
        period_start=snapshot.period_start,
        period_end=snapshot.period_end,
        sentences=tuple(sentences.group_summary(score, outward).read_aloud),
        figures=tuple(
            Figure(key, label(key), shown(key, getattr(score, key), score.bases)) for key in FIGURES
        ),
        trend_keys=GROUP_TREND_TABLE,
        trend_labels=tuple(label(key) for key in GROUP_TREND_TABLE),
        trend=last_quarters(quarter_labels(snapshot.trend or {}), score.trend or {}),
        norms=tuple(
            Norm(
                n.statement,
                n.latest.rating if n.latest else None,
                n.latest.reviewed_on if n.latest else None,
                n.due,
            )
            for n in norms_with_ratings(group, snapshot.period_end)
        ),
        picture=picture(network),
    )


def shown(key: str, value, bases) -> str:
    """A figure as the report pages show it: rounded by the display rule, with its base."""
    text = _bare(key, value)
    if value is None or BY_KEY[key].kind == COUNT:
        return text
    return evidence.shown(key, text, bases)


def _bare(key: str, value) -> str:
    kind = BY_KEY[key].kind
    if kind == COUNT:
        return "–" if value is None else str(value)
    return pct(value) if kind == SHARE else num(value, 1)


def last_quarters(labels: list[str], trend: dict) -> tuple:
    """The last four quarters of the group's stored trend (the snapshot's quarters named by
    `labels`), each value with its base (a snapshot from before bases were stored shows its
    values bare, as the group report does)."""
    bases = trend.get("bases")
    rows = []
    for i in range(max(0, len(labels) - QUARTERS), len(labels)):
        values = []
        for key in GROUP_TREND_TABLE:  # (heading, value) pairs: a phone shows each cell's heading
            series = trend.get(key) or []
            value = series[i] if i < len(series) else None
            text = (
                _bare(key, value)
                if bases is None
                else shown(key, value, bases[i] if i < len(bases) else None)
            )
            values.append((label(key), text))
        rows.append((labels[i], tuple(values)))
    return tuple(rows)


def picture(network: dict) -> Picture:
    """Stored positions (0..1) kept; nodes without one go on a ring around the others."""
    nodes, edges = network.get("nodes", []), network.get("edges", [])
    index = {node["ref"]: i for i, node in enumerate(nodes)}
    unplaced = [i for i, n in enumerate(nodes) if not _finite(n.get("x")) or not _finite(n.get("y"))]
    points = []
    for i, node in enumerate(nodes):
        kind = "actor" if node.get("kind") == "actor" else "member" if node.get("member") else "outsider"
        if i in unplaced:
            angle = 2 * math.pi * unplaced.index(i) / len(unplaced)
            x, y = 0.5 + 0.48 * math.cos(angle), 0.5 + 0.48 * math.sin(angle)
        else:
            x, y = min(max(float(node["x"]), 0.0), 1.0), min(max(float(node["y"]), 0.0), 1.0)
        points.append((x, y, kind))
    lines = tuple(
        (index[e["source"]], index[e["target"]], e.get("kind", ""))
        for e in edges
        if e.get("source") in index and e.get("target") in index and e["source"] != e["target"]
    )
    return Picture(tuple(points), lines)


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def picture_svg(card: Card) -> str:
    """The picture for the HTML card: the charts' network, no labels, no links."""
    kinds = {"member": "person", "outsider": "outsider", "actor": "actor"}
    nodes = [
        charts.ChartNode(f"n{i}", "", kinds[kind]) for i, (_x, _y, kind) in enumerate(card.picture.nodes)
    ]
    edges = [charts.ChartEdge(f"n{a}", f"n{b}", 1, kind) for a, b, kind in card.picture.edges]
    positions = {f"n{i}": (x, y) for i, (x, y, _kind) in enumerate(card.picture.nodes)}
    return safe_svg(
        charts.network_svg(
            nodes,
            edges,
            positions=positions,
            width=360,
            height=360,
            title=_("Who exchanges with whom in %(group)s") % {"group": card.group},
            description=_(
                "Each dot is a member, a person outside the group or an institution; a line is a tie."
            ),
            chart_id="card-network",
        )
    )
