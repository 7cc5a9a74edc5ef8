"""Downloads of a snapshot or a scope: score tables (people.csv, groups.csv, area.csv) and the
exchange or tie network as a networkx graph for GraphML/GEXF. The column names and graph
attributes are the export format (groups/examples/FORMAT.md): do not rename them. Numbers
are rounded to SCORE_DECIMALS places in the CSVs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from groups import privacy
from groups.models import Area, ExternalActor, Group, Person, ScoreSnapshot
from groups.transfer.csvfiles import neutralise

from . import analysis, evidence, reading
from .collect import collect
from .indicators import MONEY_COLUMNS
from .quality import KEYS as QUALITY_KEYS
from .snapshots import AREA_FIELDS, GROUP_FIELDS, PERSON_FIELDS

#: Decimal places of a fractional score in the CSVs (0.6666666666666666 -> 0.6667).
SCORE_DECIMALS = 4


def pseudonym(ref: str) -> str:
    """A stable stand-in for a person's name (groups/privacy.py decides who sees names)."""
    return privacy.pseudonym(ref)


def _cell(value) -> str | int | float:
    """CSV cell: blank for undefined; numbers written as numbers (fractions rounded to
    SCORE_DECIMALS places); text neutralised so a spreadsheet never runs it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value, SCORE_DECIMALS)
    return neutralise(str(value))


def table_csv(header: list[str], rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def _shown_name(namer, pseudonymise: bool, pk: int, ref: str, name: str, consent, area_id=None) -> str:
    """The name a download shows: the viewer's choice per person (namer: an access.Scope),
    else the real name or, with pseudonymise, the pseudonym."""
    if namer is not None:
        return namer.shown_name(
            person_id=pk, ref=ref, full_name=name, area_id=area_id, has_consent=consent is not None
        )
    return pseudonym(ref) if pseudonymise else name


def _with_base_column(field: str) -> list[str]:
    """A column, and "<field>_base" beside it when the value rests on a counted base
    (evidence.py): the number of records it rests on, blank when not stored."""
    return [field, f"{field}_base"] if evidence.minimum(field) else [field]


def _with_base_cell(field: str, value, bases: dict | None) -> list:
    return [value, evidence.base_of(bases, field)] if evidence.minimum(field) else [value]


def score_tables(
    snapshot: ScoreSnapshot, *, namer=None, pseudonymise: bool = False, area: Area | None = None
) -> dict[str, str]:
    """people.csv, groups.csv and area.csv of a snapshot: one row per person/group with its ref
    and every indicator in a column named as in the analysis (by-type counts as
    given_by_type.<resource>; id lists as refs separated by ";"); blank where undefined. A
    value with a minimum of evidence is kept, whatever its base, with its base in a
    "<key>_base" column beside it (evidence.py); groups.csv then has the group's own money
    (MONEY_COLUMNS; blank without a fund) and its data quality ("quality.<figure>").
    Names: see _shown_name. With `area` inside the snapshot's community (a village), only the
    area's people and groups, with the values the community computed, and the area's own
    figures in area.csv (as its page shows them)."""
    area = area or snapshot.area
    area_ids = reading.part_area_ids(snapshot, area)
    resources = analysis.RESOURCES
    person_fields = [f for f in PERSON_FIELDS if f != "bases"]
    person_cols = []
    for f in person_fields:
        if f.endswith("_by_type"):
            person_cols += [f"{f}.{r}" for r in resources]
        else:
            person_cols += _with_base_column(f)
    people = []
    rows = reading.part_people(snapshot.person_scores.all(), snapshot, area_ids).order_by("person__ref")
    rows = rows.values_list(
        "person_id", "person__ref", "person__full_name", "person__consent_on", "person__area_id", "bases",
        *person_fields,
    )
    for pk, ref, name, consent, area_id, bases, *values in rows:
        row = [ref, _shown_name(namer, pseudonymise, pk, ref, name, consent, area_id)]
        for f, v in zip(person_fields, values, strict=True):
            by_type = f.endswith("_by_type")
            row += [v.get(r, 0) for r in resources] if by_type else _with_base_cell(f, v, bases)
        people.append(row)
    group_fields = [f for f in GROUP_FIELDS if f != "bases"] + list(MONEY_COLUMNS)
    group_db = [
        "bridging_group_refs"
        if f == "bridging_group_ids"
        else "linking_actor_refs"
        if f == "linking_actor_ids"
        else f
        for f in group_fields
    ]
    group_cols = [c for f in group_fields for c in _with_base_column(f)]
    group_cols += [f"quality.{key}" for key in QUALITY_KEYS]  # data quality (quality.py)
    groups = []
    group_rows = reading.part_groups(snapshot.group_scores.all(), area_ids).order_by("group__ref")
    for ref, name, bases, quality, *values in group_rows.values_list(
        "group__ref", "group__name", "bases", "quality", *group_db
    ):
        row = [ref, name]
        for f, v in zip(group_fields, values, strict=True):
            row += _with_base_cell(f, ";".join(v) if isinstance(v, list) else v, bases)
        groups.append(row + [(quality or {}).get(key) for key in QUALITY_KEYS])
    figures = snapshot.area_scores or {}
    if area_ids is not None:
        figures = figures.get("parts", {}).get(area.ref, {})
    area_cols = [f for f in AREA_FIELDS if f != "group_medians"]
    medians = list(analysis.GROUP_MEDIAN_FIELDS)
    area_row = [
        area.ref,
        area.name,
        snapshot.period_start.isoformat(),
        snapshot.period_end.isoformat(),
        snapshot.resource,
        snapshot.computed_at.isoformat() if snapshot.computed_at else None,
    ]
    area_row += [
        ";".join(figures[f]) if isinstance(figures.get(f), list) else figures.get(f) for f in area_cols
    ]
    area_row += [figures.get("group_medians", {}).get(f) for f in medians]
    return {
        "people.csv": table_csv(["ref", "name", *person_cols], people),
        "groups.csv": table_csv(["ref", "name", *group_cols], groups),
        "area.csv": table_csv(
            ["ref", "name", "period_start", "period_end", "resource", "computed_at", *area_cols]
            + [f"group_medians.{f}" for f in medians],
            [area_row],
        ),
    }


def network_graph(
    scope: Area | Group,
    start: dt.date,
    end: dt.date,
    resource: str = "",
    *,
    network: str = "exchanges",
    namer=None,
    pseudonymise: bool = False,
    confirmed_only: bool = False,
) -> nx.Graph:
    """D ("exchanges") or T ("ties") of a scope for export: refs as node ids (an actor whose ref
    is also a person's gets "actor:" in front), node attributes kind, label and groups (refs
    separated by ";"), edge attributes count and one count per resource (D) or weight and
    tie kind (T). The people and actors outside the scope who exchanged with it are kept, with
    node attribute outside=true (their ties are never dropped; named as for anyone else)."""
    collected = collect(scope, start, end, resource, subtree=True, confirmed_only=confirmed_only)
    data = collected.scope_data()
    D, T = analysis.build_graphs(data)
    graph = D if network == "exchanges" else T
    person_pks = [int(v[2:]) for v in graph if v.startswith("p:")]
    actor_pks = [int(v[2:]) for v in graph if v.startswith("a:")]
    names = {
        pk: (ref, name, consent, area_id)
        for pk, ref, name, consent, area_id in Person.objects.filter(pk__in=person_pks).values_list(
            "pk", "ref", "full_name", "consent_on", "area_id"
        )
    }
    actor_names = dict(ExternalActor.objects.filter(pk__in=actor_pks).values_list("pk", "name"))
    groups_of: dict[str, list[str]] = defaultdict(list)
    for gid, members in sorted(data.memberships.items(), key=lambda kv: collected.ref(kv[0])):
        for m in members:
            groups_of[m].append(collected.ref(gid))
    person_refs = set(collected.person_refs.values())
    labels = {}
    for v in graph:
        ref = collected.ref(v)
        if v.startswith("p:"):
            labels[v] = ref
        else:
            labels[v] = f"actor:{ref}" if ref in person_refs else ref
    out = nx.DiGraph() if graph.is_directed() else nx.Graph()
    for v in sorted(graph, key=labels.get):
        pk = int(v[2:])
        if v.startswith("p:"):
            label = _shown_name(namer, pseudonymise, pk, *names[pk])
        else:
            label = actor_names.get(pk, "")
        out.add_node(
            labels[v],
            kind=graph.nodes[v]["kind"],
            label=label,
            groups=";".join(groups_of.get(v, [])),
            outside=v in data.outside,
        )
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (labels[e[0]], labels[e[1]])):
        out.add_edge(labels[u], labels[v], **d)
    return out


def score_zip(snapshot: ScoreSnapshot, *, namer=None, area: Area | None = None) -> tuple[bytes, str]:
    """The score tables of a snapshot (of `area`'s part of it) in one zip: (content, filename)."""
    area = area or snapshot.area
    return _zip({"": score_tables(snapshot, namer=namer, area=area)}), _zip_name(area, snapshot)


def rollup_zip(area: Area, snapshots: list[ScoreSnapshot], *, namer=None) -> tuple[bytes, str]:
    """An area above the districts: each district's score tables in a folder named by its ref."""
    folders = {f"{s.area.ref}/": score_tables(s, namer=namer) for s in snapshots}
    return _zip(folders), _zip_name(area, snapshots[0])


def _zip(folders: dict[str, dict[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, tables in folders.items():
            for name, text in tables.items():
                archive.writestr(folder + name, text)
    return buffer.getvalue()


def _zip_name(area: Area, snapshot: ScoreSnapshot) -> str:
    return f"scores-{area.ref}-{snapshot.period_start:%Y%m%d}-{snapshot.period_end:%Y%m%d}.zip"


def network_file(
    scope: Area | Group,
    start: dt.date,
    end: dt.date,
    resource: str = "",
    *,
    network: str,
    gexf: bool,
    namer=None,
    confirmed_only: bool = False,
) -> tuple[bytes, str, str]:
    """network_graph as GraphML or GEXF: (content, content type, filename)."""
    graph = network_graph(
        scope, start, end, resource, network=network, namer=namer, confirmed_only=confirmed_only
    )
    buffer = io.BytesIO()
    if gexf:
        nx.write_gexf(graph, buffer)
        content_type, extension = "application/gexf+xml", "gexf"
    else:
        nx.write_graphml(graph, buffer)
        content_type, extension = "application/graphml+xml", "graphml"
    return buffer.getvalue(), content_type, f"{network}-{scope.ref}-{start:%Y%m%d}-{end:%Y%m%d}.{extension}"
