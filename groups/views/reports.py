"""Report pages (issue 4): the area dashboard, the group report, before and after an
activity, the person profile and the methodology page.

Pages read the latest stored score snapshot (groups/reports.py): a fixed number of queries
whatever the size of the area, and no network is laid out per request except a group's own
before/after comparison (a group is small). When no snapshot of the requested period exists
yet, it is requested and the page shows a "being computed" state that htmx polls.

Who reads what: facilitators and coordinators read the reports of the areas and groups in
their scope (access.py: outside -> 404); a member may read only their own profile (403 for
the rest). Names go through groups/privacy.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access, analysis, charts, privacy_rules, reports, sentences
from groups.forms.reports import ChangeWindowForm, ReportFilterForm
from groups.models import (
    LEVEL_DEPTH,
    ActivityKind,
    Area,
    AreaLevel,
    Exchange,
    ExternalActor,
    GroupKind,
    GroupScore,
    NormReview,
    PersonScore,
    Resource,
    Role,
    ScoreSnapshot,
    SnapshotStatus,
)
from groups.privacy import namer_for, pseudonym

#: People listed by name on the dashboard as "no exchange yet" (the count shows them all).
ISOLATED_LISTED = 20
#: Groups listed in each ranking on the dashboard.
RANKED_LISTED = 10
#: Groups drawn in the dashboard's picture and listed in its table: the largest ones (a phone
#: cannot show a thousand; the score download has every group).
GROUPS_SHOWN = 100
#: Links drawn among them: the strongest ones.
EDGES_SHOWN = 600
#: Activities whose before and after may be compared.
CHANGE_KINDS = (ActivityKind.TRAINING, ActivityKind.PLANNING_FORUM)
#: A failed computation is shown as failed (not requested again) for this long.
FAILED_QUIET = dt.timedelta(minutes=15)
FILTER_KEYS = ("period", "start", "end", "resource")


# --------------------------------------------------------------------------- helpers


def _render(request, template: str, context: dict, partial: str = "report"):
    """The whole page, or only its swappable region for an htmx request."""
    if request.htmx:
        template = f"{template}#{partial}"
    return render(request, template, context)


def _require_reader(scope: access.Scope) -> None:
    """Area and group reports are for facilitators, coordinators and staff."""
    if not (scope.is_staff or scope.is_facilitator or scope.is_coordinator):
        raise PermissionDenied


def _filters(request) -> tuple[ReportFilterForm, tuple, bool]:
    """The filter form from the query string: (form, (start, end, resource), invalid).
    Invalid input falls back to the defaults; the form then shows its errors."""
    if not any(key in request.GET for key in FILTER_KEYS):
        return ReportFilterForm(), (None, None, ""), False
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return form, (None, None, ""), True
    return form, form.window(), False


def _latest(area_id: int, start, end, resource: str, *, network: bool = False) -> ScoreSnapshot | None:
    """The latest done snapshot of a key (as reports.latest_snapshot), without the picture of
    the groups network unless asked: on a big district that field is megabytes. A "last 12
    months" snapshot computed on an earlier day is shown, and a fresh one requested."""
    snapshots = ScoreSnapshot.objects.done().for_window(area_id, start, end, resource)
    snapshot = (snapshots if network else snapshots.defer("group_network")).first()
    if snapshot is not None and start is None and snapshot.period_end < timezone.localdate():
        reports.request_snapshot(area_id)  # debounced: one waiting per key
    return snapshot


def _filter_query(start, end, resource: str) -> str:
    """The valid filters as a query string, for links to the downloads."""
    params = {"period": "dates", "start": start, "end": end} if start else {}
    if resource:
        params["resource"] = resource
    return urlencode(params)


def _snapshot_state(
    scope: access.Scope, area_id: int, start, end, resource: str
) -> tuple[ScoreSnapshot | None, ScoreSnapshot | None]:
    """(latest done snapshot, None) or (None, the snapshot being computed or failed); (None,
    None) when the user may not queue another computation now."""
    snapshot = _latest(area_id, start, end, resource, network=True)
    if snapshot is not None:
        return snapshot, None
    pending = _request(scope, area_id, start, end, resource)
    if pending is not None and pending.status == SnapshotStatus.DONE:
        return pending, None
    return None, pending


def _request(scope: access.Scope, area_id: int, start, end, resource: str, *, again: bool = False):
    """The computation of the key: the one waiting, else a new one, unless one of the same key
    failed a moment ago (the poll would otherwise start a failing computation every few
    seconds; `again` is the user's explicit retry). None when the user may not queue one now
    (access.may_request_scores: one window of their own choosing at a time)."""
    waiting = reports.pending_snapshot(area_id, start, end, resource)
    if waiting is not None:
        return waiting
    failed = (
        ScoreSnapshot.objects.filter(
            status=SnapshotStatus.FAILED, computed_at__gte=timezone.now() - FAILED_QUIET
        )
        .for_window(area_id, start, end, resource)
        .first()
    )
    if failed is not None and not again:
        return failed
    if not access.may_request_scores(scope, area_id, custom_window=start is not None):
        return None
    snapshot = reports.request_snapshot(area_id, start, end, resource, requested_by=scope.user)
    # With in-process tasks (tests, TASKS_IMMEDIATE) it may already be computed.
    snapshot.refresh_from_db()
    return snapshot


def _quarter_labels(trend: dict) -> list[str]:
    labels = []
    for quarter in trend.get("quarters", []):
        end = parse_date(quarter.get("end", "")) if isinstance(quarter, dict) else None
        labels.append(date_format(end, "M Y") if end else "")
    return labels


def _pct_axis(value: float) -> str:
    return sentences.percent(value)


def _safe_svg(svg: str) -> str:
    # charts.py escapes every piece of caller text (names included) itself.
    return mark_safe(svg)  # noqa: S308


@dataclass(frozen=True)
class PersonLink:
    name: str
    url: str | None


def _visible_people(scope: access.Scope, people: list, area: Area | None) -> set[int]:
    """Which of these people the viewer may see (access.Scope.people), cheaply: everyone
    living in `area` when the viewer is assigned to it or above it (their scope covers it),
    and one scope query for the rest (members living elsewhere). The full scope query is
    slow on a big district, so it only runs over the few people it must decide."""
    inside: set[int] = set()
    if area is not None and people:
        chain = set(
            Area.objects.filter(pk=area.pk)
            .values_list("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")
            .first()
            or ()
        )
        if scope.is_staff or chain & set(scope.coordinator_area_ids + scope.facilitator_area_ids):
            below = set(Area.objects.subtree(area).values_list("pk", flat=True))
            inside = {p.pk for p in people if p.area_id in below}
    rest = [p.pk for p in people if p.pk not in inside]
    if rest:
        inside |= set(scope.people().filter(pk__in=rest).values_list("pk", flat=True))
    return inside


def _person_links(
    scope: access.Scope, people, area: Area | None, *, own_view: bool = False
) -> dict[int, PersonLink]:
    """Shown name and profile link of each person: people outside the viewer's scope are
    pseudonymised and not linked."""
    people = list(people)
    namer = namer_for(scope)
    visible = _visible_people(scope, people, area)
    # The profile of someone without recorded consent opens only for those who look after
    # them (privacy_rules.shows_exchanges_of): one query for the whole list, when needed.
    unconsented = [p.pk for p in people if p.consent_on is None and p.pk in visible]
    if scope.is_staff or not unconsented:
        opens = set(unconsented)
    else:
        opens = set(scope.editable_people().filter(pk__in=unconsented).values_list("pk", flat=True))
    if scope.person is not None:
        opens.add(scope.person.pk)
    links = {}
    for person in people:
        if person.pk in visible or own_view:
            may_open = person.pk in visible and (person.consent_on is not None or person.pk in opens)
            links[person.pk] = PersonLink(
                namer.person(person),
                reverse("groups:report_person", args=[person.ref]) if may_open else None,
            )
        else:
            links[person.pk] = PersonLink(pseudonym(person.ref), None)
    return links


def _default_area(scope: access.Scope) -> Area:
    """The user's first report area: the widest area they are assigned to, else the area of
    a group they look after. None of them: not a report reader (403)."""
    ids = scope.coordinator_area_ids + scope.facilitator_area_ids
    candidates = list(Area.objects.filter(pk__in=ids)) if ids else []
    if not candidates:
        candidates = list(scope.report_areas()[:200])
    if not candidates:
        raise PermissionDenied
    return min(candidates, key=lambda a: (LEVEL_DEPTH[AreaLevel(a.level)], a.name, a.pk))


def _report_area(scope: access.Scope, area_id: int) -> Area:
    """The area whose snapshot a group or person page reads: the widest of the viewer's
    report areas that contains the object's area (so a broker between two villages shows as
    one on the district coordinator's pages, as on their dashboard); the object's own area
    for members. Two queries."""
    chain = [
        a
        for a in Area.objects.filter(pk=area_id)
        .values_list("parent__parent__parent_id", "parent__parent_id", "parent_id", "pk")
        .first()
        or ()
        if a
    ]
    readable = set(scope.report_areas().filter(pk__in=chain).values_list("pk", flat=True))
    widest = next((a for a in chain if a in readable), area_id)
    return Area.objects.get(pk=widest)


def _group_report_access(request, ref: str):
    """(group, scope, report area) for the group report and its retry, or 404/403."""
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    _require_reader(scope)
    return group, scope, _report_area(scope, group.area_id)


def _person_report_access(request, ref: str):
    """(person, scope, own, report area) for the person's profile and its retry, or 404/403."""
    person = access.get_person(request, ref)
    scope = access.scope_for(request)
    own = scope.person is not None and scope.person.pk == person.pk
    if not own:
        _require_reader(scope)
    if not privacy_rules.shows_exchanges_of(scope, person):
        raise PermissionDenied  # no consent recorded: their exchanges are for facilitators only
    return person, scope, own, _report_area(scope, person.area_id)


def _scores_of(scope: access.Scope, model, area: Area, start, end, resource: str, **lookup):
    """(row of `model` for the object in the area's latest snapshot, the snapshot being
    computed when there is no such row; None when the user may not queue one now)."""
    snapshot = _latest(area.pk, start, end, resource)
    row = model.objects.filter(snapshot=snapshot, **lookup).first() if snapshot is not None else None
    if row is not None:
        row.snapshot = snapshot
        return row, None
    # no snapshot yet, or the object is newer than it: (re)compute, debounced
    pending = _request(scope, area.pk, start, end, resource)
    row = (
        model.objects.filter(snapshot=pending, **lookup).first()
        if pending is not None and pending.status == SnapshotStatus.DONE
        else None
    )
    if row is not None:
        row.snapshot = pending
        return row, None
    return None, pending


def _compare(value, median, tolerance: float) -> str:
    if value is None or median is None:
        return ""
    if value - median > tolerance:
        return "higher"
    if median - value > tolerance:
        return "lower"
    return "same"


# ------------------------------------------------------------------------ dashboard


@require_http_methods(["GET"])
@login_required
def report_dashboard(request, ref: str | None = None):
    scope = access.scope_for(request)
    area = access.get_area(request, ref) if ref is not None else _default_area(scope)
    form, (start, end, resource), invalid = _filters(request)
    snapshot, pending = _snapshot_state(scope, area.pk, start, end, resource)
    context = {
        "area": area,
        "form": form,
        "invalid_filters": invalid,
        "snapshot": snapshot,
        "pending": pending,
        "retry_url": reverse("groups:report_dashboard_retry", args=[area.ref]),
        "children": area.children.order_by("name"),
        "query": _filter_query(start, end, resource),
    }
    if snapshot is not None:
        context.update(_dashboard(scope, area, snapshot))
    return _render(request, "groups/report_dashboard.html", context)


def _dashboard(scope: access.Scope, area: Area, snapshot: ScoreSnapshot) -> dict:
    scores = snapshot.area_scores
    trend = snapshot.trend or {}
    labels = _quarter_labels(trend)
    series = trend.get("area", {})
    # A district may hold a thousand groups: rank them on three light columns, then read only
    # the rows shown (the largest groups for the picture and its table, the heads of the
    # rankings, the most aid-dependent).
    light = list(
        GroupScore.objects.filter(snapshot=snapshot).values_list(
            "pk", "size", "aid_dependence", "group__ref", "group__name"
        )
    )
    largest = {pk for pk, *_ in sorted(light, key=lambda r: (-r[1], r[4], r[0]))[:GROUPS_SHOWN]}
    aid_ranked = [r for r in light if r[2]]
    aid_ranked.sort(key=lambda r: (-r[2], r[4], r[0]))
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
        )
    }
    shown_rows = [rows[pk] for pk in largest]
    aid_rows = [rows[r[0]] for r in aid_ranked[:5]]
    by_ref = {row.group.ref: row for row in rows.values()}
    readable = set(
        scope.groups().filter(pk__in=[row.group_id for row in by_ref.values()]).values_list("pk", flat=True)
    )
    kinds = dict(GroupKind.choices)  # get_kind_display rebuilds this dict on every call
    for row in by_ref.values():
        row.url = reverse("groups:report_group", args=[row.group.ref]) if row.group_id in readable else None
        row.kind_label = kinds.get(row.group.kind, row.group.kind)
    shown_rows.sort(key=lambda row: (row.group.name, row.group_id))

    broker_refs = list(scores.get("brokers", []))
    broker_rows = sorted(
        PersonScore.objects.filter(snapshot=snapshot, person__ref__in=broker_refs).select_related("person"),
        key=lambda row: broker_refs.index(row.person.ref),
    )
    isolated_rows = list(
        PersonScore.objects.filter(snapshot=snapshot, partners=0)
        .select_related("person")
        .order_by("person__ref")[:ISOLATED_LISTED]
    )
    links = _person_links(scope, [row.person for row in broker_rows + isolated_rows], area)
    for row in broker_rows + isolated_rows:
        row.link = links[row.person_id]
    people = scores.get("people") or 0
    isolated = scores.get("isolated")
    if isolated is None:  # snapshots from before the count was stored
        isolated = round((scores.get("isolated_share") or 0.0) * people)
    figures = [
        ("people", people, "count", series.get("people")),
        ("groups", scores.get("groups"), "count", None),
        ("actors", scores.get("actors"), "count", None),
        ("exchanges", scores.get("exchanges"), "count", series.get("exchanges")),
        ("isolated_share", scores.get("isolated_share"), "share", series.get("isolated_share")),
        ("components", scores.get("components"), "count", series.get("components")),
        ("bonding", scores.get("bonding_share"), "share", series.get("bonding_share")),
        ("bridging", scores.get("bridging_share"), "share", series.get("bridging_share")),
        ("linking", scores.get("linking_share"), "share", series.get("linking_share")),
        ("reciprocity", scores.get("reciprocity"), "share", series.get("reciprocity")),
    ]
    top_broker = broker_rows[0].link.name if broker_rows else None
    network, edges_drawn = _group_network(snapshot, {row.group.ref: row for row in shown_rows})
    return {
        "scores": scores,
        "figures": [
            {
                "key": key,
                "value": value,
                "kind": kind,
                "spark": _safe_svg(
                    charts.sparkline_svg(
                        values,
                        title=_("%(indicator)s per quarter") % {"indicator": sentences.INDICATORS[key]},
                    )
                )
                if values
                else "",
            }
            for key, value, kind, values in figures
        ],
        "sentences": [
            s
            for s in (
                sentences.area_ties(
                    scores.get("bonding_share"), scores.get("bridging_share"), scores.get("linking_share")
                ),
                sentences.area_isolated(isolated, people),
                sentences.area_brokers(top_broker, len(broker_rows)),
                sentences.area_reciprocity(scores.get("reciprocity")),
                sentences.area_aid(
                    aid_rows[0].group.name if aid_rows else None,
                    aid_rows[0].aid_dependence if aid_rows else None,
                ),
            )
            if s
        ],
        "quarters": labels,
        "trend_rows": _trend_rows(labels, series),
        "ties_chart": _safe_svg(
            charts.line_chart_svg(
                [
                    charts.Series(str(sentences.INDICATORS["bonding"]), series.get("bonding_share", [])),
                    charts.Series(str(sentences.INDICATORS["bridging"]), series.get("bridging_share", [])),
                    charts.Series(str(sentences.INDICATORS["linking"]), series.get("linking_share", [])),
                ],
                x_labels=labels,
                title=_("Kinds of ties per quarter"),
                description=_(
                    "Share of bonding, bridging and linking ties in each quarter; the table has the values."
                ),
                y_min=0,
                y_max=1,
                y_format=_pct_axis,
                empty_text=_("No exchanges in this period."),
                chart_id="trend-ties",
            )
        ),
        "groups_chart": _safe_svg(
            charts.line_chart_svg(
                [
                    charts.Series(
                        _("Median self-reliance of groups"), series.get("median_self_reliance", [])
                    ),
                    charts.Series(
                        _("Median participation of groups"), series.get("median_participation", [])
                    ),
                    charts.Series(
                        str(sentences.INDICATORS["isolated_share"]), series.get("isolated_share", [])
                    ),
                ],
                x_labels=labels,
                title=_("Groups and isolation per quarter"),
                description=_(
                    "Median self-reliance and participation of the groups, and the share of people with "
                    "no exchange, in each quarter; the table has the values."
                ),
                y_min=0,
                y_max=1,
                y_format=_pct_axis,
                empty_text=_("No exchanges in this period."),
                chart_id="trend-groups",
            )
        ),
        "network": network,
        "network_edges": edges_drawn,
        "network_edges_total": (snapshot.group_network or {}).get("edges_total", edges_drawn),
        "kinds_legend": _kinds_legend(shown_rows),
        "group_rows": shown_rows,
        "groups_total": scores.get("groups") or 0,
        "by_self_reliance": [by_ref[r] for r in scores.get("groups_by_self_reliance", []) if r in by_ref][
            :RANKED_LISTED
        ],
        "by_ei_index": [by_ref[r] for r in scores.get("groups_by_ei_index", []) if r in by_ref][
            :RANKED_LISTED
        ],
        "brokers": broker_rows,
        "isolated": isolated_rows,
        "isolated_count": isolated,
        "aid_groups": aid_rows,
    }


def _trend_rows(labels: list[str], series: dict) -> list[dict]:
    def at(key, i):
        values = series.get(key) or []
        return values[i] if i < len(values) else None

    return [
        {
            "label": label,
            "people": at("people", i),
            "exchanges": at("exchanges", i),
            "isolated_share": at("isolated_share", i),
            "bonding": at("bonding_share", i),
            "bridging": at("bridging_share", i),
            "linking": at("linking_share", i),
            "reciprocity": at("reciprocity", i),
            "median_self_reliance": at("median_self_reliance", i),
            "median_participation": at("median_participation", i),
        }
        for i, label in enumerate(labels)
    ]


def _group_network(snapshot: ScoreSnapshot, shown: dict) -> tuple[str, int]:
    """The picture of the groups in `shown` (ref -> row) at their stored positions, with the
    strongest links among them; (svg, number of links drawn)."""
    data = snapshot.group_network or {}
    nodes, positions = [], {}
    for node in data.get("nodes", []):
        ref = node.get("ref")
        row = shown.get(ref)
        if row is None:
            continue
        nodes.append(
            charts.ChartNode(
                id=ref,
                label=node.get("name", ""),
                kind=node.get("kind", ""),
                size=node.get("size") or 0,
                href=row.url,
            )
        )
        positions[ref] = (node.get("x"), node.get("y"))

    def weight(edge) -> int:
        return (edge.get("shared_members") or 0) + (edge.get("exchanges") or 0)

    among = [
        e for e in data.get("edges", []) if e.get("source") in positions and e.get("target") in positions
    ]
    among.sort(key=lambda e: (-weight(e), e["source"], e["target"]))
    edges = [
        charts.ChartEdge(
            e["source"],
            e["target"],
            weight=weight(e),
            kind="shared" if e.get("shared_members") else "across",
        )
        for e in among[:EDGES_SHOWN]
    ]
    svg = charts.network_svg(
        nodes,
        edges,
        positions=positions,
        width=480,
        height=480,
        title=_("Network of groups"),
        description=_(
            "Each circle is a group, sized by its members and coloured by its kind; a line joins two "
            "groups that share members or whose members exchanged. The table below lists the groups."
        ),
        chart_id="group-network",
    )
    return _safe_svg(svg), len(edges)


def _kinds_legend(group_rows) -> list[tuple[str, str]]:
    kinds = sorted({row.group.kind for row in group_rows})
    return [(kind, GroupKind(kind).label) for kind in kinds if kind in GroupKind.values]


# ---------------------------------------------------------------------- group report


@require_http_methods(["GET"])
@login_required
def report_group(request, ref: str):
    group, scope, area = _group_report_access(request, ref)
    form, (start, end, resource), invalid = _filters(request)
    score, pending = _scores_of(scope, GroupScore, area, start, end, resource, group=group)
    context = {
        "group": group,
        "area": area,
        "form": form,
        "invalid_filters": invalid,
        "score": score,
        "pending": pending,
        "retry_url": reverse("groups:report_group_retry", args=[group.ref]),
    }
    if score is not None:
        context["snapshot"] = score.snapshot
        context.update(_group_report(scope, group, score, area))
    return _render(request, "groups/report_group.html", context)


PROFILE = (
    # key, tolerance for "about the same as the median"
    ("bonding", 0.05),
    ("bridging", 0.05),
    ("linking", 0.05),
    ("reciprocity", 0.05),
    ("self_reliance", 0.05),
    ("learning_share", 0.05),
    ("participation", 0.05),
)
MORE_FIGURES = (
    ("aid_dependence", "share", 0.05),
    ("density", "share", 0.05),
    ("ei_index", "number", 0.1),
    ("centralization", "number", 0.1),
    ("bridging_groups", "count", 0.5),
    ("linking_actors", "count", 0.5),
    ("norm_rating", "number", 0.25),
)


def _group_report(scope: access.Scope, group, score: GroupScore, area: Area) -> dict:
    snapshot = score.snapshot
    medians = (snapshot.area_scores or {}).get("group_medians", {})
    labels = _quarter_labels(snapshot.trend or {})
    profile = [
        {
            "key": key,
            "value": getattr(score, key),
            "median": medians.get(key),
            "compare": _compare(getattr(score, key), medians.get(key), tolerance),
        }
        for key, tolerance in PROFILE
    ]
    more = [
        {
            "key": key,
            "kind": kind,
            "value": getattr(score, key),
            "median": medians.get(key),
            "compare": _compare(getattr(score, key), medians.get(key), tolerance),
        }
        for key, kind, tolerance in MORE_FIGURES
    ]
    network = _member_network(scope, group, score, area)
    trend = score.trend or {}
    by_resource = trend.get("exchanges_by_resource")
    older = by_resource is None  # a snapshot from before these counts were stored
    by_resource = by_resource or {}
    norms = list(
        group.norms.filter(is_active=True)
        .order_by("category", "pk")
        .prefetch_related(Prefetch("reviews", queryset=NormReview.objects.order_by("reviewed_on", "pk")))
    )
    for norm in norms:
        ratings = [review.rating for review in norm.reviews.all()]
        norm.latest = norm.reviews.all()[len(ratings) - 1] if ratings else None
        norm.spark = (
            _safe_svg(charts.sparkline_svg(ratings, title=_("Ratings of this norm over time")))
            if len(ratings) > 1
            else ""
        )
    return {
        "profile": profile,
        "more": more,
        "profile_chart": _safe_svg(
            charts.bar_chart_svg(
                [str(sentences.INDICATORS[row["key"]]) for row in profile],
                [
                    charts.Series(group.name, [row["value"] for row in profile]),
                    charts.Series(_("Median of the area's groups"), [row["median"] for row in profile]),
                ],
                title=_("Profile of the group against the area's median"),
                description=_(
                    "Bars for this group and for the median group of the area; the table has the values."
                ),
                horizontal=True,
                value_format=_pct_axis,
                empty_text=_("No exchanges in this period."),
                chart_id="group-profile",
            )
        ),
        "sentences": [
            s
            for s in (
                sentences.group_ties(score.bonding, score.ties, network["outward"], score.size),
                sentences.group_self_reliance(
                    score.self_reliance, score.aid_dependence, score.linking_actors
                ),
                sentences.group_learning(score.learning_share),
                sentences.group_participation(score.participation),
                sentences.group_reciprocity(score.reciprocity),
                sentences.group_norms(score.norms_active, score.norm_rating),
            )
            if s
        ],
        "network": network,
        "quarters": labels,
        "trend_chart": _safe_svg(
            charts.line_chart_svg(
                [
                    charts.Series(str(sentences.INDICATORS[key]), trend.get(key, []))
                    for key in ("bonding", "self_reliance", "learning_share", "participation")
                ],
                x_labels=labels,
                title=_("The group's profile per quarter"),
                description=_("Bonding, self-reliance, learning share and participation in each quarter."),
                y_min=0,
                y_max=1,
                y_format=_pct_axis,
                empty_text=_("No exchanges in this period."),
                chart_id="group-trend",
            )
        ),
        "trend_rows": [
            {
                "label": label,
                **{
                    key: (trend.get(key) or [None] * len(labels))[i]
                    if i < len(trend.get(key) or [])
                    else None
                    for key in ("exchanges", "bonding", "self_reliance", "learning_share", "participation")
                },
            }
            for i, label in enumerate(labels)
        ],
        "resource_chart": _safe_svg(
            charts.bar_chart_svg(
                labels,
                [
                    charts.Series(label, by_resource.get(code, []), css_class=f"res-{code}")
                    for code, label in Resource.choices
                    if any(by_resource.get(code, []))
                ],
                title=_("Exchanges by resource type per quarter"),
                description=_(
                    "Stacked bars: the exchanges of the members in each quarter, by resource type."
                ),
                stacked=True,
                empty_text=(
                    _("Not in this older computation; the next one will include it.")
                    if older
                    else _("No exchanges in this period.")
                ),
                chart_id="group-resources",
            )
        ),
        "resource_rows": [
            {"label": label, "counts": by_resource.get(code, [0] * len(labels))}
            for code, label in Resource.choices
            if any(by_resource.get(code, []))
        ],
        "norms": norms,
        "activities": list(
            group.activities.filter(kind__in=CHANGE_KINDS).select_related("actor").order_by("-date")
        ),
    }


def _member_network(scope: access.Scope, group, score: GroupScore, area: Area) -> dict:
    """The members' exchange picture from the stored layout, names through privacy rules,
    and the table beside it (one row per member)."""
    data = score.network or {}
    nodes = data.get("nodes", [])
    edges = data.get("edges", [])
    person_refs = [n["ref"] for n in nodes if n.get("kind") == "person"]
    actor_refs = [n["ref"] for n in nodes if n.get("kind") == "actor"]
    rows = {
        row.person.ref: row
        for row in PersonScore.objects.filter(
            snapshot=score.snapshot, person__ref__in=person_refs
        ).select_related("person")
    }
    links = _person_links(scope, [row.person for row in rows.values()], area)
    actors = dict(ExternalActor.objects.filter(ref__in=actor_refs).values_list("ref", "name"))
    roles = {  # "member" goes without saying
        ref: Role(code).label
        for ref, code in group.memberships.open().values_list("person__ref", "role")
        if code != Role.MEMBER
    }
    brokers = set((score.snapshot.area_scores or {}).get("brokers", []))
    members = {n["ref"] for n in nodes if n.get("member")}
    outward = {e["source"] for e in edges if e["target"] not in members} | {
        e["target"] for e in edges if e["source"] not in members
    }
    outward &= members
    degree: dict[str, int] = defaultdict(int)
    for e in edges:
        degree[e["source"]] += 1
        degree[e["target"]] += 1

    def label(node) -> tuple[str, str | None]:
        if node.get("kind") == "actor":
            return actors.get(node["ref"], node["ref"]), None
        row = rows.get(node["ref"])
        if row is None:
            return pseudonym(node["ref"]), None
        link = links[row.person_id]
        return link.name, link.url

    chart_nodes, positions, table = [], {}, []
    for node in nodes:
        name, url = label(node)
        member = bool(node.get("member"))
        kind = "actor" if node.get("kind") == "actor" else ("person" if member else "outsider")
        highlight = (
            "broker"
            if node["ref"] in brokers
            else ("isolated" if member and not degree[node["ref"]] else None)
        )
        chart_nodes.append(charts.ChartNode(node["ref"], name, kind, href=url, highlight=highlight))
        positions[node["ref"]] = (node.get("x"), node.get("y"))
        if member:
            row = rows.get(node["ref"])
            table.append(
                {
                    "name": name,
                    "url": url,
                    "role": roles.get(node["ref"], ""),
                    "score": row,
                    "outward": node["ref"] in outward,
                    "broker": node["ref"] in brokers,
                }
            )
    table.sort(key=lambda r: (-(r["score"].partners if r["score"] else 0), r["name"]))
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
    return {
        "svg": _safe_svg(svg),
        "members": table,
        "outward": len(outward),
        "outsiders": sum(1 for n in nodes if not n.get("member") and n.get("kind") == "person"),
        "actors": len(actor_refs),
    }


# ------------------------------------------------------------------ before and after


@require_http_methods(["GET"])
@login_required
def report_group_change(request, ref: str, activity_ref: str):
    group = access.get_group(request, ref)
    _require_reader(access.scope_for(request))
    activity = get_object_or_404(
        group.activities.filter(kind__in=CHANGE_KINDS).select_related("actor"), ref=activity_ref
    )
    form = ChangeWindowForm(
        request.GET if "months" in request.GET else None, initial={"months": ChangeWindowForm.DEFAULT_MONTHS}
    )
    months = (
        form.months_or_default() if form.is_bound and form.is_valid() else ChangeWindowForm.DEFAULT_MONTHS
    )
    context = {"group": group, "activity": activity, "form": form, "months": months}
    context.update(_change(group, activity, months))
    return _render(request, "groups/report_group_change.html", context, partial="change")


CHANGE_ROWS = (
    ("exchanges", "count"),
    ("size", "count"),
    ("learning_share", "share"),
    ("linking", "share"),
    ("linking_actors", "count"),
    ("self_reliance", "share"),
    ("aid_dependence", "share"),
    ("reciprocity", "share"),
    ("density", "share"),
    ("participation", "share"),
    ("norm_rating", "number"),
)


def _group_scores(group, start: dt.date, end: dt.date) -> analysis.GroupScores | None:
    data = reports.scope_data(group, start, end)
    return analysis.compute_scores(data, brokers=0).groups.get(f"g:{group.pk}")


def _day_before(day: dt.date) -> dt.date:
    return day if day == dt.date.min else day - dt.timedelta(days=1)


def _change(group, activity, months: int) -> dict:
    day = activity.date
    # The activity's own day counts as "after": what a training hands out on the day is its effect.
    before = (reports.add_months(day, -months), _day_before(day))
    after = (day, _day_before(reports.add_months(day, months)))
    scores_before = _group_scores(group, *before)
    scores_after = _group_scores(group, *after)

    def value(scores, key):
        return getattr(scores, key) if scores is not None else None

    rows = []
    for key, kind in CHANGE_ROWS:
        b, a = value(scores_before, key), value(scores_after, key)
        rows.append(
            {
                "key": key,
                "kind": kind,
                "before": b,
                "after": a,
                "delta": a - b if None not in (a, b) else None,
            }
        )
    actor_node = f"a:{activity.actor_id}" if activity.actor_id else None
    shares = [row for row in rows if row["kind"] == "share"]
    lines = [
        sentences.change_exchanges(
            value(scores_before, "exchanges") or 0, value(scores_after, "exchanges") or 0
        ),
        sentences.change_learning(
            value(scores_before, "learning_share"), value(scores_after, "learning_share")
        ),
        sentences.change_linking(
            value(scores_before, "linking_actors") or 0, value(scores_after, "linking_actors") or 0
        ),
        sentences.change_participation(
            value(scores_before, "participation"), value(scores_after, "participation")
        ),
    ]
    if actor_node and scores_after is not None:
        lines.append(
            sentences.change_actor(
                activity.actor.name,
                actor_node in (scores_before.linking_actor_ids if scores_before else ()),
                actor_node in scores_after.linking_actor_ids,
            )
        )
    return {
        "before": before,
        "after": after,
        "unfinished": after[1] > timezone.localdate(),
        "rows": rows,
        "sentences": [s for s in lines if s],
        "chart": _safe_svg(
            charts.bar_chart_svg(
                [str(sentences.INDICATORS[row["key"]]) for row in shares],
                [
                    charts.Series(_("Before"), [row["before"] for row in shares]),
                    charts.Series(_("After"), [row["after"] for row in shares]),
                ],
                title=_("The group before and after the activity"),
                description=_("Bars for the months before and the months after; the table has the values."),
                horizontal=True,
                value_format=_pct_axis,
                empty_text=_("No exchanges in either period."),
                chart_id="group-change",
            )
        ),
    }


# ----------------------------------------------------------------------- a person


@require_http_methods(["GET"])
@login_required
def report_person(request, ref: str):
    person, scope, own, area = _person_report_access(request, ref)
    form, (start, end, resource), invalid = _filters(request)
    score, pending = _scores_of(scope, PersonScore, area, start, end, resource, person=person)
    context = {
        "person": person,
        "own": own,
        "name": namer_for(scope).person(person),
        "form": form,
        "invalid_filters": invalid,
        "score": score,
        "pending": pending,
        "area": area,
        "retry_url": reverse("groups:report_person_retry", args=[person.ref]),
    }
    if score is not None:
        context["snapshot"] = score.snapshot
        context.update(
            _person_profile(scope, person, score, resource, own=own, name=context["name"], area=area)
        )
    return _render(request, "groups/report_person.html", context)


def _person_profile(
    scope: access.Scope, person, score: PersonScore, resource: str, *, own: bool, name: str, area: Area
) -> dict:
    snapshot = score.snapshot
    brokers = (snapshot.area_scores or {}).get("brokers", [])
    memberships = list(person.memberships.open().select_related("group").order_by("group__name"))
    readable = set()
    if scope.is_staff or scope.is_facilitator or scope.is_coordinator:  # members read no group report
        readable = set(
            scope.groups().filter(pk__in=[m.group_id for m in memberships]).values_list("pk", flat=True)
        )
    for m in memberships:
        m.url = reverse("groups:report_group", args=[m.group.ref]) if m.group_id in readable else None
    partners = _partners(scope, person, snapshot, resource, own=own, area=area)
    given = [score.given_by_type.get(code, 0) for code in Resource.values]
    received = [score.received_by_type.get(code, 0) for code in Resource.values]
    given_bars = [n or None for n in given]  # no bar and no "0" label for nothing
    received_bars = [n or None for n in received]
    return {
        "memberships": memberships,
        "partners": partners,
        "is_broker": person.ref in brokers,
        "broker_rank": brokers.index(person.ref) + 1 if person.ref in brokers else None,
        "by_type": [
            {"label": label, "given": g, "received": r}
            for (code, label), g, r in zip(Resource.choices, given, received, strict=True)
        ],
        "by_type_chart": _safe_svg(
            charts.bar_chart_svg(
                [label for _code, label in Resource.choices],
                [
                    charts.Series(_("Given"), given_bars, css_class="flow-given"),
                    charts.Series(_("Received"), received_bars, css_class="flow-received"),
                ],
                title=_("Given and received by resource type"),
                description=_(
                    "Number of exchanges given and received for each resource type; the table has the values."
                ),
                horizontal=True,
                value_labels=True,
                empty_text=_("No exchanges in this period."),
                chart_id="person-by-type",
            )
        ),
        "sentences": [
            s
            for s in (
                sentences.person_partners(name, score.partners, score.given, score.received),
                sentences.person_ties(name, score.bonding_ties, score.bridging_ties, score.linking_ties),
                sentences.person_broker(
                    name,
                    brokers.index(person.ref) + 1 if person.ref in brokers else None,
                    len(memberships),
                    area.name,
                ),
            )
            if s
        ],
    }


def _partners(
    scope: access.Scope, person, snapshot: ScoreSnapshot, resource: str, *, own: bool, area: Area
) -> list[dict]:
    """The person's partners in the snapshot's period, most exchanges first (one query for
    the exchanges, one for who may be named)."""
    exchanges = (
        privacy_rules.visible_exchanges(scope, Exchange.objects.counted())  # consent first
        .involving(person)
        .filter(date__gte=snapshot.period_start, date__lte=snapshot.period_end)
        .select_related("giver_person", "giver_actor", "receiver_person", "receiver_actor")
        .order_by()
    )
    if resource:
        exchanges = exchanges.filter(resource=resource)
    tally: dict[tuple[str, int], dict] = {}
    resources = dict(Resource.choices)
    for exchange in exchanges:
        gave = exchange.giver_person_id == person.pk
        other = exchange.receiver if gave else exchange.giver
        key = ("actor" if isinstance(other, ExternalActor) else "person", other.pk)
        entry = tally.setdefault(key, {"party": other, "given": 0, "received": 0, "resources": set()})
        entry["given" if gave else "received"] += 1
        entry["resources"].add(resources.get(exchange.resource, exchange.resource))
    people = [e["party"] for k, e in tally.items() if k[0] == "person"]
    links = _person_links(scope, people, area, own_view=own)
    rows = []
    for (kind, pk), entry in tally.items():
        if kind == "person":
            link = links[pk]
            name, url = link.name, link.url
        else:
            name, url = entry["party"].name, None
        rows.append(
            {
                "name": name,
                "url": url,
                "actor": kind == "actor",
                "given": entry["given"],
                "received": entry["received"],
                "resources": sorted(entry["resources"]),
            }
        )
    rows.sort(key=lambda r: (-(r["given"] + r["received"]), r["name"]))
    return rows


# ------------------------------------------------------- asking again for a computation
# A report waiting longer than QUEUE_STALE_SECONDS offers to ask again (a POST, checked like
# its page): the stuck computation is given up and a new one queued, then back to the page.


def _retry(request, scope: access.Scope, area: Area, page_url: str):
    form, (start, end, resource), invalid = _filters(request)
    if not invalid:
        reports.give_up_if_stuck(area.pk, start, end, resource)
        if _request(scope, area.pk, start, end, resource, again=True) is None:
            messages.warning(request, _("Your other report for this area is still being computed."))
    query = request.GET.urlencode()
    return redirect(f"{page_url}?{query}" if query else page_url)


@require_http_methods(["POST"])
@login_required
def report_dashboard_retry(request, ref: str):
    area = access.get_area(request, ref)
    page_url = reverse("groups:report_dashboard", args=[area.ref])
    return _retry(request, access.scope_for(request), area, page_url)


@require_http_methods(["POST"])
@login_required
def report_group_retry(request, ref: str):
    group, scope, area = _group_report_access(request, ref)
    return _retry(request, scope, area, reverse("groups:report_group", args=[group.ref]))


@require_http_methods(["POST"])
@login_required
def report_person_retry(request, ref: str):
    person, scope, _own, area = _person_report_access(request, ref)
    return _retry(request, scope, area, reverse("groups:report_person", args=[person.ref]))


# -------------------------------------------------------------------- methodology


@require_http_methods(["GET"])
@login_required
def methodology(request):
    toc = [("basics", _("What is counted"))]
    for key, label in sentences.INDICATORS.items():
        if key == "bonding":
            toc.append(("ties", _("Three kinds of ties")))
        toc.append((sentences.indicator_anchor(key), label))
    toc += [
        ("trends", _("Trends per quarter")),
        ("before-after", _("Before and after an activity")),
        ("privacy", _("Names and privacy")),
        ("sources", _("Sources")),
    ]
    return render(request, "groups/methodology.html", {"indicators": sentences.INDICATORS, "toc": toc})
