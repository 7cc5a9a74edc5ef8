"""The group report: the group's profile against the median group of the area, its members'
exchange picture with a table, trends per quarter, exchanges by resource type, its norms and
the activities whose before and after may be compared."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from groups import access
from groups.models import (
    ActivityKind,
    Area,
    ExternalActor,
    GroupScore,
    NormReview,
    Person,
    PersonScore,
    Resource,
    Role,
)
from groups.privacy import pseudonym

from .. import analysis, charts, evidence, money, sentences
from ..indicators import (
    BY_KEY,
    GROUP_MONEY,
    GROUP_MONEY_TREND,
    GROUP_MORE,
    GROUP_PROFILE,
    GROUP_TREND_CHART,
    GROUP_TREND_TABLE,
    compare,
    label,
)
from .common import pct_axis, person_links, quarter_labels, safe_svg

#: Activities whose before and after may be compared.
CHANGE_KINDS = (ActivityKind.TRAINING, ActivityKind.PLANNING_FORUM)


def group_report(scope: access.Scope, group, score: GroupScore, area: Area) -> dict:
    snapshot = score.snapshot
    medians = (snapshot.area_scores or {}).get("group_medians", {})
    labels = quarter_labels(snapshot.trend or {})
    keeps_money = has_money(score)
    profile = against_median(score, medians, profile_keys(keeps_money))
    network = member_network(scope, group, score, area)
    trend = score.trend or {}
    summary = group_sentences(score, network)
    return {
        "profile": profile,
        "more": against_median(score, medians, GROUP_MORE),
        "money": against_median(score, medians, GROUP_MONEY) if keeps_money else [],
        "money_trend": money_trend_rows(labels, trend) if keeps_money else [],
        "profile_chart": profile_chart(group, profile),
        "sentences": summary.read_aloud,
        "named_sentences": summary.named,
        "quality": quality_rows(score.quality or {}),
        "network": network,
        "quarters": labels,
        "trend_chart": trend_chart(labels, trend),
        "trend_rows": [
            {
                "label": text,
                "bases": _at(trend.get("bases"), i),
                **{key: _at(trend.get(key), i) for key in GROUP_TREND_TABLE},
            }
            for i, text in enumerate(labels)
        ],
        **by_resource(labels, trend),
        "norms": norms_with_ratings(group, snapshot.period_end),
        "quiet_after": analysis.quiet_after_days(group.meeting_frequency),
        "activities": list(
            group.activities.filter(kind__in=CHANGE_KINDS).select_related("actor").order_by("-date")
        ),
    }


def money_trend_rows(labels: list[str], trend: dict) -> list[dict]:
    """The group's money per quarter (GROUP_MONEY_TREND), each as of the quarter's end; none
    for a snapshot from before the money was trended."""
    if not any(trend.get(key) for key in GROUP_MONEY_TREND):
        return []
    return [
        {
            "label": text,
            "bases": _at(trend.get("bases"), i) or {},
            "cells": [(key, BY_KEY[key].kind, _at(trend.get(key), i)) for key in GROUP_MONEY_TREND],
        }
        for i, text in enumerate(labels)
    ]


def has_money(score: GroupScore) -> bool:
    """Whether the group keeps a fund: its money figures were computed (money.py)."""
    return any(getattr(score, key) is not None for key in money.FIELDS)


def profile_keys(keeps_money: bool) -> tuple[str, ...]:
    """The profile's rows: a group keeping a fund shows its own capital share beside its
    self-reliance (lending its own savings is the strongest sign of it)."""
    if not keeps_money:
        return GROUP_PROFILE
    at = GROUP_PROFILE.index("self_reliance") + 1
    return (*GROUP_PROFILE[:at], "own_capital_share", *GROUP_PROFILE[at:])


def _at(values, i):
    return values[i] if values and i < len(values) else None


def against_median(score: GroupScore, medians: dict, keys) -> list[dict]:
    rows = []
    for key in keys:
        indicator = BY_KEY[key]
        value, median = getattr(score, key), medians.get(key)
        trusted = evidence.enough(key, score.bases)  # too few records: no colour, no bar
        rows.append(
            {
                "key": key,
                "kind": indicator.kind,
                "value": value,
                "median": median,
                "bases": score.bases,
                "chart_value": value if trusted else None,
                "compare": compare(value, median, indicator.tolerance) if trusted else "",
            }
        )
    return rows


def profile_chart(group, profile: list[dict]) -> str:
    return safe_svg(
        charts.bar_chart_svg(
            [label(row["key"]) for row in profile],
            [
                charts.Series(group.name, [row["chart_value"] for row in profile]),
                charts.Series(_("Median of the area's groups"), [row["median"] for row in profile]),
            ],
            title=_("Profile of the group against the area's median"),
            description=_(
                "Bars for this group and for the median group of the area; the table has the values."
            ),
            horizontal=True,
            value_format=pct_axis,
            empty_text=_("No exchanges in this period."),
            chart_id="group-profile",
        )
    )


def group_sentences(score: GroupScore, network: dict) -> sentences.Summary:
    """The read-aloud sentences (nobody named) and, apart, those naming a member whose absence
    would cut people off (for the facilitator's eyes)."""
    cut = [(m["name"], m["score"].cut_off) for m in network["members"] if m["score"] and m["score"].cut_off]
    return sentences.group_summary(score, network["outward"], cut)


def quality_rows(quality: dict) -> list[dict]:
    """The data-quality table: each figure with its share of the exchanges logged (or of the
    members). Empty for a snapshot from before quality was stored."""
    if not quality:
        return []
    logged, members = quality.get("logged", 0), quality.get("members", 0)

    def row(text, count, whole):
        return {"label": text, "count": count, "share": count / whole if whole else None, "whole": whole}

    return [
        {"label": _("Exchanges logged"), "count": logged, "share": None, "whole": None},
        row(_("Confirmed by the other side"), quality.get("confirmed", 0), logged),
        row(_("Waiting for confirmation"), quality.get("pending", 0), logged),
        row(_("Disputed (left out of the scores)"), quality.get("disputed", 0), logged),
        row(_("Entered on a meeting sheet"), quality.get("sheet", 0), logged),
        row(_("Entered by a member who took part"), quality.get("self", 0), logged),
        row(_("Imported or entered otherwise"), quality.get("other", 0), logged),
        row(_("Members party to at least one exchange"), quality.get("active_members", 0), members),
    ]


def trend_chart(labels: list[str], trend: dict) -> str:
    return safe_svg(
        charts.line_chart_svg(
            [charts.Series(label(key), _trusted_series(trend, key)) for key in GROUP_TREND_CHART],
            x_labels=labels,
            title=_("The group's profile per quarter"),
            description=_("Bonding, self-reliance, learning share and participation in each quarter."),
            y_min=0,
            y_max=1,
            y_format=pct_axis,
            # Quarters resting on too few records draw no dot: "no exchanges" would be untrue.
            empty_text=_("No quarter has enough records for a score yet; the table gives each one's base."),
            chart_id="group-trend",
        )
    )


def _trusted_series(trend: dict, key: str) -> list:
    """A quarterly series without the quarters whose value rests on too few records (no dot
    drawn for them); a snapshot from before the bases were stored draws as it was stored."""
    values, bases = trend.get(key, []), trend.get("bases")
    if bases is None:
        return values
    return [evidence.enough_value(key, v, _at(bases, i)) for i, v in enumerate(values)]


def by_resource(labels: list[str], trend: dict) -> dict:
    """The chart and table of the members' exchanges by resource type per quarter."""
    counts = trend.get("exchanges_by_resource")
    older = counts is None  # a snapshot from before these counts were stored
    counts = counts or {}
    present = [(code, text) for code, text in Resource.choices if any(counts.get(code, []))]
    chart = charts.bar_chart_svg(
        labels,
        [charts.Series(text, counts.get(code, []), css_class=f"res-{code}") for code, text in present],
        title=_("Exchanges by resource type per quarter"),
        description=_("Stacked bars: the exchanges of the members in each quarter, by resource type."),
        stacked=True,
        empty_text=(
            _("Not in this older computation; the next one will include it.")
            if older
            else _("No exchanges in this period.")
        ),
        chart_id="group-resources",
    )
    return {
        "resource_chart": safe_svg(chart),
        "resource_rows": [
            {"label": text, "counts": counts.get(code, [0] * len(labels))} for code, text in present
        ],
    }


def norms_with_ratings(group, as_of) -> list:
    """The group's norms in force with their reviews; `due` marks a norm whose latest review by
    the window's end is older than the window allows or missing (analysis.current_review, the
    rule norm_rating follows): not averaged."""
    norms = list(
        group.norms.filter(is_active=True)
        .order_by("category", "pk")
        .prefetch_related(Prefetch("reviews", queryset=NormReview.objects.order_by("reviewed_on", "pk")))
    )
    for norm in norms:
        ratings = [review.rating for review in norm.reviews.all()]
        norm.latest = norm.reviews.all()[len(ratings) - 1] if ratings else None
        current = analysis.current_review([(r.reviewed_on, r) for r in norm.reviews.all()], as_of)
        norm.due = current is None
        norm.spark = (
            safe_svg(charts.sparkline_svg(ratings, title=_("Ratings of this norm over time")))
            if len(ratings) > 1
            else ""
        )
    return norms


# ------------------------------------------------------------- the members' network


def member_network(scope: access.Scope, group, score: GroupScore, area: Area) -> dict:
    """The members' exchange picture from the stored layout, names through privacy rules,
    and the table beside it (one row per member)."""
    data = score.network or {}
    nodes, edges = data.get("nodes", []), data.get("edges", [])
    names = _namer(scope, score, nodes, area)
    brokers = set((score.snapshot.area_scores or {}).get("brokers", []))
    members = {n["ref"] for n in nodes if n.get("member")}
    outward = outward_members(edges, members)
    degree: dict[str, int] = defaultdict(int)
    for e in edges:
        degree[e["source"]] += 1
        degree[e["target"]] += 1
    roles = {  # "member" goes without saying
        ref: Role(code).label
        for ref, code in group.memberships.open().values_list("person__ref", "role")
        if code != Role.MEMBER
    }
    chart_nodes, positions, table = [], {}, []
    outside_area = 0  # people drawn who are outside the viewer's area (never dropped)
    for node in nodes:
        ref, member = node["ref"], bool(node.get("member"))
        name, url, row, outside = names(node)
        outside_area += outside
        highlight = "broker" if ref in brokers else ("isolated" if member and not degree[ref] else None)
        kind = "actor" if node.get("kind") == "actor" else ("person" if member else "outsider")
        chart_nodes.append(charts.ChartNode(ref, name, kind, href=url, highlight=highlight))
        positions[ref] = (node.get("x"), node.get("y"))
        if member:
            table.append(
                {
                    "name": name,
                    "url": url,
                    "role": roles.get(ref, ""),
                    "score": row,
                    "outward": ref in outward,
                    "broker": ref in brokers,
                    "cut_off": row.cut_off if row else 0,
                    "outside_area": outside,
                }
            )
    table.sort(key=lambda r: (-(r["score"].partners if r["score"] else 0), r["name"]))
    return {
        "svg": _member_svg(group, chart_nodes, edges, positions),
        "members": table,
        "outward": len(outward),
        "outsiders": sum(1 for n in nodes if not n.get("member") and n.get("kind") == "person"),
        "actors": sum(1 for n in nodes if n.get("kind") == "actor"),
        "outside_area": outside_area,
    }


def _namer(scope: access.Scope, score: GroupScore, nodes: list[dict], area: Area):
    """node -> (shown name, profile url or None, PersonScore or None, outside the viewer's
    area), with the queries done once. People outside the community (no row here) are named
    as the access rules allow, like everyone else."""
    person_refs = [n["ref"] for n in nodes if n.get("kind") == "person"]
    actor_refs = [n["ref"] for n in nodes if n.get("kind") == "actor"]
    people = {p.ref: p for p in Person.objects.filter(ref__in=person_refs)}
    rows = {
        row.person.ref: row
        for row in PersonScore.objects.filter(
            snapshot=score.snapshot, person__ref__in=person_refs
        ).select_related("person")
    }
    links = person_links(scope, people.values(), area)
    actors = dict(ExternalActor.objects.filter(ref__in=actor_refs).values_list("ref", "name"))

    def name(node) -> tuple[str, str | None, PersonScore | None, bool]:
        if node.get("kind") == "actor":
            return actors.get(node["ref"], node["ref"]), None, None, False
        person = people.get(node["ref"])
        if person is None:  # erased since
            return pseudonym(node["ref"]), None, None, True
        link = links[person.pk]
        return link.name, link.url, rows.get(node["ref"]), link.outside

    return name


def outward_members(edges: list[dict], members: set[str]) -> set[str]:
    """Members with a tie to someone outside the group."""
    outward = {e["source"] for e in edges if e["target"] not in members}
    outward |= {e["target"] for e in edges if e["source"] not in members}
    return outward & members


def _member_svg(group, chart_nodes: list, edges: list[dict], positions: dict) -> str:
    svg = charts.network_svg(
        chart_nodes,
        [charts.ChartEdge(e["source"], e["target"], e.get("weight", 1), e.get("kind", "")) for e in edges],
        positions=positions,
        width=480,
        height=480,
        title=_("Exchanges of the members of %(group)s") % {"group": group.name},
        description=_(
            "Members on the inner circle, people and institutions outside the group on the outer ring; "
            "a line is a tie of exchanges. The table lists the members."
        ),
        chart_id="member-network",
    )
    return safe_svg(svg)
