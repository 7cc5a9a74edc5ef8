"""The area dashboard: key figures with their quarterly sparklines, plain sentences, trend
charts, the network of groups, group rankings, brokers, the people whose absence would cut
others off (cut_off) and people with no exchange. A
district may hold a thousand groups: only the rows shown are read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, When
from django.urls import reverse
from django.utils.translation import gettext as _

from groups import access
from groups.models import Area, GroupKind, GroupScore, PersonScore, ScoreSnapshot

from .. import charts, evidence, money, reading, sentences
from ..indicators import BY_KEY, DASHBOARD_FIGURES, label
from .common import pct_axis, person_links, quarter_labels, safe_svg

#: People listed by name on the dashboard as "no exchange yet" (the count shows them all).
ISOLATED_LISTED = 20
#: People listed as "would cut others off if absent" (most cut off first; the count shows all).
CUT_OFF_LISTED = 10
#: Groups listed in each ranking on the dashboard.
RANKED_LISTED = 10
#: Groups drawn in the dashboard's picture and listed in its table: the largest ones (a phone
#: cannot show a thousand; the score download has every group).
GROUPS_SHOWN = 100
#: Links drawn among them: the strongest ones.
EDGES_SHOWN = 600
#: Columns of the trend table: (column, field in snapshot.trend["area"]).
TREND_COLUMNS = (
    ("people", "people"),
    ("exchanges", "exchanges"),
    ("isolated_share", "isolated_share"),
    ("bonding", "bonding_share"),
    ("bridging", "bridging_share"),
    ("linking", "linking_share"),
    ("reciprocity", "reciprocity"),
    ("median_self_reliance", "median_self_reliance"),
    ("median_participation", "median_participation"),
)


#: Dashboard figures that are shares of the area's ties.
TIE_SHARES = ("bonding", "bridging", "linking")


@dataclass
class GroupRows:
    shown: list  # the largest groups, by name: the picture and its table
    aid: list  # the most aid-dependent
    by_ref: dict  # every row read, by group ref


@dataclass
class Part:
    """What a page of an area shows of its community's snapshot: everything (the community's
    own page), or a village's rows (its people's and groups', area figures aggregated over
    them by scores/parts.py when the snapshot was computed)."""

    area_ids: list[int] | None  # the area and those below it; None: the whole community
    scores: dict  # area figures (AreaScores as stored)
    series: dict  # their quarterly trend
    snapshot: ScoreSnapshot | None = None

    def groups(self, rows):
        return reading.part_groups(rows, self.area_ids)

    def people(self, rows):
        return reading.part_people(rows, self.snapshot, self.area_ids)


def part_of(area: Area, snapshot: ScoreSnapshot) -> Part:
    """The part of the community snapshot an area's page shows (see Part)."""
    trend = snapshot.trend or {}
    area_ids = reading.part_area_ids(snapshot, area)
    if area_ids is None:
        return Part(None, snapshot.area_scores or {}, trend.get("area", {}), snapshot)
    stored = (snapshot.area_scores or {}).get("parts", {}).get(area.ref)
    if stored is None:  # a snapshot from before villages' figures were stored: counts only
        stored = _counted_part(snapshot, area_ids)
    return Part(area_ids, stored, trend.get("parts", {}).get(area.ref, {}), snapshot)


def _counted_part(snapshot: ScoreSnapshot, area_ids: list[int]) -> dict:
    part = Part(area_ids, {}, {}, snapshot)
    rows = part.people(PersonScore.objects.filter(snapshot=snapshot))
    people, isolated = rows.count(), rows.filter(partners=0).count()
    return {
        "people": people,
        "groups": part.groups(GroupScore.objects.filter(snapshot=snapshot)).count(),
        "isolated": isolated,
        "isolated_share": isolated / people if people else None,
    }


def dashboard(scope: access.Scope, area: Area, snapshot: ScoreSnapshot) -> dict:
    part = part_of(area, snapshot)
    scores, series = part.scores, part.series
    labels = quarter_labels(snapshot.trend or {})
    groups = group_rows(scope, snapshot, scores, part)
    brokers, isolated_rows = people_rows(scope, area, snapshot, scores, part)
    cut_off, cut_off_count = cut_off_rows(scope, area, snapshot, part)
    people = scores.get("people") or 0
    isolated = scores.get("isolated")
    if isolated is None:  # snapshots from before the count was stored
        isolated = round((scores.get("isolated_share") or 0.0) * people)
    network, edges_drawn = group_network_svg(snapshot, {row.group.ref: row for row in groups.shown})
    ranked = {
        key: [groups.by_ref[r] for r in scores.get(key, []) if r in groups.by_ref][:RANKED_LISTED]
        for key in ("groups_by_self_reliance", "groups_by_ei_index")
    }
    return {
        "scores": scores,
        "community_part": part.area_ids is not None,
        "figures": figures(scores, series),
        "sentences": area_sentences(scores, isolated, groups.aid),
        "named_sentences": broker_sentences(brokers, cut_off),
        "quarters": labels,
        "trend_rows": trend_rows(labels, series),
        "ties_chart": ties_chart(labels, series),
        "groups_chart": groups_chart(labels, series),
        "network": network,
        "network_edges": edges_drawn,
        "network_edges_total": (snapshot.group_network or {}).get("edges_total", edges_drawn),
        "kinds_legend": kinds_legend(groups.shown),
        "group_rows": groups.shown,
        "groups_total": scores.get("groups") or 0,
        "by_self_reliance": ranked["groups_by_self_reliance"],
        "by_ei_index": ranked["groups_by_ei_index"],
        "brokers": brokers,
        "cut_off": cut_off,
        "cut_off_count": cut_off_count,
        "isolated": isolated_rows,
        "isolated_count": isolated,
        "aid_groups": groups.aid,
        **quiet_groups(scope, snapshot, part),
        **money_groups(scope, snapshot, part),
    }


#: Groups keeping a fund listed with their own money on the dashboard (the download has all).
MONEY_LISTED = 20


def money_groups(scope: access.Scope, snapshot: ScoreSnapshot, part: Part) -> dict:
    """The part's groups that keep a fund (a money figure computed, money.py), by name, with
    their totals: own capital share beside self-reliance, portfolio at risk, savings per member.
    Group totals only: no member's balance is read. Two queries."""
    keeping = Q()
    for key in money.FIELDS:
        keeping |= Q(**{f"{key}__isnull": False})
    found = part.groups(GroupScore.objects.filter(keeping, snapshot=snapshot))
    rows = list(
        found.select_related("group")
        .only("group__ref", "group__name", "self_reliance", "bases", *money.FIELDS)
        .order_by("group__name", "pk")[:MONEY_LISTED]
    )
    readable = set(scope.groups().filter(pk__in=[r.group_id for r in rows]).values_list("pk", flat=True))
    for row in rows:
        row.url = reverse("groups:report_group", args=[row.group.ref]) if row.group_id in readable else None
    return {"money_groups": rows, "money_count": found.count() if len(rows) == MONEY_LISTED else len(rows)}


#: Quiet groups listed by name on the dashboard (the count shows them all).
QUIET_LISTED = 20


def quiet_groups(scope: access.Scope, snapshot: ScoreSnapshot, part: Part) -> dict:
    """The groups with no activity for three meeting intervals by the window's end
    (analysis.is_quiet) among the part's groups, the longest quiet first, with their last
    activity: two queries."""
    quiet = part.groups(GroupScore.objects.filter(snapshot=snapshot, quiet=True))
    rows = list(
        quiet.select_related("group")
        .only("group__ref", "group__name", "last_activity")
        .order_by(F("last_activity").asc(nulls_first=True), "group__name", "pk")[:QUIET_LISTED]
    )
    readable = set(scope.groups().filter(pk__in=[r.group_id for r in rows]).values_list("pk", flat=True))
    for row in rows:
        row.url = reverse("groups:report_group", args=[row.group.ref]) if row.group_id in readable else None
    return {"quiet_groups": rows, "quiet_count": quiet.count() if len(rows) == QUIET_LISTED else len(rows)}


def group_rows(scope: access.Scope, snapshot: ScoreSnapshot, scores: dict, part: Part) -> GroupRows:
    """Rank the part's groups on three light columns, then read only the rows shown (the largest
    groups for the picture and its table, the heads of the rankings, the most aid-dependent)."""
    light = list(
        part.groups(GroupScore.objects.filter(snapshot=snapshot)).values_list(
            "pk", "size", "aid_dependence", "group__ref", "group__name", "bases"
        )
    )
    largest = {pk for pk, *_ in sorted(light, key=lambda r: (-r[1], r[4], r[0]))[:GROUPS_SHOWN]}
    # a share of too few exchanges is not ranked (evidence.py)
    aided = [r for r in light if evidence.enough_value("aid_dependence", r[2], r[5])]
    aid_ranked = sorted(aided, key=lambda r: (-r[2], r[4], r[0]))
    ranked = set(scores.get("groups_by_self_reliance", [])[:RANKED_LISTED])
    ranked |= set(scores.get("groups_by_ei_index", [])[:RANKED_LISTED])
    wanted = largest | {r[0] for r in aid_ranked[:5]} | {r[0] for r in light if r[3] in ranked}
    rows = {
        row.pk: row
        for row in GroupScore.objects.filter(pk__in=wanted)
        .select_related("group")
        .only(
            "group__ref",
            "group__name",
            "group__kind",
            "size",
            "exchanges",
            "bonding",
            "self_reliance",
            "aid_dependence",
            "ei_index",
            "participation",
            "bases",
        )
    }
    by_ref = {row.group.ref: row for row in rows.values()}
    readable = set(
        scope.groups().filter(pk__in=[row.group_id for row in by_ref.values()]).values_list("pk", flat=True)
    )
    kinds = dict(GroupKind.choices)  # get_kind_display rebuilds this dict on every call
    for row in by_ref.values():
        row.url = reverse("groups:report_group", args=[row.group.ref]) if row.group_id in readable else None
        row.kind_label = kinds.get(row.group.kind, row.group.kind)
    shown = sorted((rows[pk] for pk in largest), key=lambda row: (row.group.name, row.group_id))
    return GroupRows(shown=shown, aid=[rows[r[0]] for r in aid_ranked[:5]], by_ref=by_ref)


def people_rows(
    scope: access.Scope, area: Area, snapshot: ScoreSnapshot, scores: dict, part: Part
) -> tuple[list, list]:
    """(brokers in rank order, the first people with no exchange; the part's), each with .link."""
    broker_refs = list(scores.get("brokers", []))
    brokers = sorted(
        PersonScore.objects.filter(snapshot=snapshot, person__ref__in=broker_refs).select_related("person"),
        key=lambda row: broker_refs.index(row.person.ref),
    )
    isolated = list(
        part.people(PersonScore.objects.filter(snapshot=snapshot, partners=0))
        .select_related("person")
        .order_by("person__ref")[:ISOLATED_LISTED]
    )
    links = person_links(scope, [row.person for row in brokers + isolated], area)
    for row in brokers + isolated:
        row.link = links[row.person_id]
    return brokers, isolated


def cut_off_rows(scope: access.Scope, area: Area, snapshot: ScoreSnapshot, part: Part) -> tuple[list, int]:
    """(the part's people whose absence would cut the most others off, each with .link; how
    many such people there are): the cut vertices of the community's tie graph
    (PersonScore.cut_off >= 1)."""
    found = part.people(PersonScore.objects.filter(snapshot=snapshot, cut_off__gte=1))
    rows = list(found.select_related("person").order_by("-cut_off", "person__ref")[:CUT_OFF_LISTED])
    links = person_links(scope, [row.person for row in rows], area)
    for row in rows:
        row.link = links[row.person_id]
    return rows, found.count()


def figures(scores: dict, series: dict) -> list[dict]:
    out = []
    for key in DASHBOARD_FIGURES:
        indicator = BY_KEY[key]
        values = series.get(indicator.area_trend) if indicator.area_trend else None
        spark = ""
        if values:
            title = _("%(indicator)s per quarter") % {"indicator": indicator.label}
            spark = safe_svg(charts.sparkline_svg(values, title=title))
        value = scores.get(indicator.area_field or key)
        # the tie classes are shares of the area's ties: shown with that base (evidence.py)
        bases = {key: scores.get("ties") or 0} if key in TIE_SHARES else None
        out.append({"key": key, "value": value, "kind": indicator.kind, "spark": spark, "bases": bases})
    return out


def area_sentences(scores: dict, isolated: int, aid_rows: list) -> list[str]:
    """The area's sentences that name nobody (broker_sentences are the named ones). The tie
    shares and reciprocity rest on the area's ties (reciprocity on its directed pairs, never
    fewer): no sentence from them below evidence.TIES."""
    ties = scores.get("ties") or 0
    thin = 0 < ties < evidence.TIES
    shares = (scores.get("bonding_share"), scores.get("bridging_share"), scores.get("linking_share"))
    lines = (
        "" if thin else sentences.area_ties(*shares),
        sentences.area_isolated(isolated, scores.get("people") or 0),
        "" if thin else sentences.area_reciprocity(scores.get("reciprocity")),
        sentences.area_aid(
            aid_rows[0].group.name if aid_rows else None,
            aid_rows[0].aid_dependence if aid_rows else None,
        ),
    )
    return [s for s in lines if s]


def broker_sentences(brokers: list, cut_off: list) -> list[str]:
    """The go-between sentences: they name people, so they are for the facilitator's eyes.
    That someone holds people together is said only of a cut vertex, with the number
    (PersonScore.cut_off): of the top broker when they are one, and of the person whose absence
    would cut off the most people (cut_off_rows' first) when that is someone else."""
    top = brokers[0] if brokers else None
    lines = [sentences.area_brokers(top.link.name if top else None, len(brokers), top.cut_off if top else 0)]
    cutter = cut_off[0] if cut_off else None
    if cutter is not None and (top is None or cutter.person_id != top.person_id):
        lines.append(sentences.member_holds_together(cutter.link.name, cutter.cut_off))
    return [line for line in lines if line]


def trend_rows(labels: list[str], series: dict) -> list[dict]:
    def at(field, i):
        values = series.get(field) or []
        return values[i] if i < len(values) else None

    return [
        {
            "label": text,
            "tie_bases": dict.fromkeys(TIE_SHARES, at("ties", i) or 0),  # the tie shares' base
            **{column: at(field, i) for column, field in TREND_COLUMNS},
        }
        for i, text in enumerate(labels)
    ]


def _share_chart(labels: list[str], lines: list, **kwargs) -> str:
    return safe_svg(
        charts.line_chart_svg(
            lines,
            x_labels=labels,
            y_min=0,
            y_max=1,
            y_format=pct_axis,
            empty_text=_("No exchanges in this period."),
            **kwargs,
        )
    )


def ties_chart(labels: list[str], series: dict) -> str:
    return _share_chart(
        labels,
        [
            charts.Series(label(key), series.get(BY_KEY[key].area_trend, []))
            for key in ("bonding", "bridging", "linking")
        ],
        title=_("Kinds of ties per quarter"),
        description=_(
            "Share of bonding, bridging and linking ties in each quarter; the table has the values."
        ),
        chart_id="trend-ties",
    )


def groups_chart(labels: list[str], series: dict) -> str:
    return _share_chart(
        labels,
        [
            charts.Series(_("Median self-reliance of groups"), series.get("median_self_reliance", [])),
            charts.Series(_("Median participation of groups"), series.get("median_participation", [])),
            charts.Series(label("isolated_share"), series.get("isolated_share", [])),
        ],
        title=_("Groups and isolation per quarter"),
        description=_(
            "Median self-reliance and participation of the groups, and the share of people with "
            "no exchange, in each quarter; the table has the values."
        ),
        chart_id="trend-groups",
    )


def _link_weight(edge: dict) -> int:
    return (edge.get("shared_members") or 0) + (edge.get("exchanges") or 0)


def group_network_svg(snapshot: ScoreSnapshot, shown: dict) -> tuple[str, int]:
    """The picture of the groups in `shown` (ref -> row) at their stored positions, with the
    strongest links among them; (svg, number of links drawn). Groups without a link drawn go
    on a ring around the linked ones (charts.network_svg)."""
    data = snapshot.group_network or {}
    nodes, positions = [], {}
    for node in data.get("nodes", []):
        row = shown.get(node.get("ref"))
        if row is None:
            continue
        nodes.append(
            charts.ChartNode(
                id=node["ref"],
                label=node.get("name", ""),
                kind=node.get("kind", ""),
                size=node.get("size") or 0,
                href=row.url,
            )
        )
        positions[node["ref"]] = (node.get("x"), node.get("y"))
    among = [
        e for e in data.get("edges", []) if e.get("source") in positions and e.get("target") in positions
    ]
    among.sort(key=lambda e: (-_link_weight(e), e["source"], e["target"]))
    edges = [
        charts.ChartEdge(
            e["source"],
            e["target"],
            weight=_link_weight(e),
            kind="shared" if e.get("shared_members") else "across",
        )
        for e in among[:EDGES_SHOWN]
    ]
    # Groups without a link drawn go on the ring around the linked ones, not at their stored
    # spot, so a few isolates never squeeze the linked groups into a knot.
    linked = {end for e in edges for end in (e.source, e.target)}
    svg = charts.network_svg(
        nodes,
        edges,
        positions={ref: point for ref, point in positions.items() if ref in linked},
        width=480,
        height=480,
        title=_("Network of groups"),
        description=_(
            "Each circle is a group, sized by its members and coloured by its kind; a line joins two "
            "groups that share members or whose members exchanged. The table below lists the groups."
        ),
        chart_id="group-network",
    )
    return safe_svg(svg), len(edges)


def kinds_legend(group_rows) -> list[tuple[str, str]]:
    kinds = sorted({row.group.kind for row in group_rows})
    return [(kind, GroupKind(kind).label) for kind in kinds if kind in GroupKind.values]


def subarea_figures(children, snapshot: ScoreSnapshot) -> list[dict]:
    """The areas within, each with its people, groups and people without an exchange in the
    snapshot: the figures stored for each village (the same as its own page shows), or, in a
    snapshot from before they were stored, two counting queries, however many areas and rows."""
    children = list(children)
    parts = (snapshot.area_scores or {}).get("parts")
    if parts is not None:
        return [
            {
                "area": child,
                "people": parts.get(child.ref, {}).get("people", 0),
                "isolated": parts.get(child.ref, {}).get("isolated", 0),
                "groups": parts.get(child.ref, {}).get("groups", 0),
            }
            for child in children
        ]
    ids = [child.pk for child in children]

    def child_of(field: str) -> Case:  # the area within that holds an object's area
        paths = (f"{field}_id", f"{field}__parent_id", f"{field}__parent__parent_id")
        return Case(*(When(**{f"{path}__in": ids}, then=F(path)) for path in paths), default=None)

    people = {
        row["child"]: row
        for row in PersonScore.objects.filter(snapshot=snapshot)
        .annotate(child=child_of("person__area"))
        .values("child")
        .annotate(people=Count("pk"), isolated=Count("pk", filter=Q(partners=0)))
    }
    groups = dict(
        GroupScore.objects.filter(snapshot=snapshot)
        .annotate(child=child_of("group__area"))
        .values("child")
        .annotate(groups=Count("pk"))
        .values_list("child", "groups")
    )
    return [
        {
            "area": child,
            "people": people.get(child.pk, {}).get("people", 0),
            "isolated": people.get(child.pk, {}).get("isolated", 0),
            "groups": groups.get(child.pk, 0),
        }
        for child in children
    ]
