"""Layouts: positions of the stored network pictures, computed once with the snapshot (pages
only scale them). One force layout (Fruchterman & Reingold) serves every picture; a group's
members sit on a circle (reverse Cuthill-McKee order), and groups without a link to another
group are set apart on a row below the linked ones, so the linked ones never collapse into a knot.
Pure Python, no database access; deterministic for a seed."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

import networkx as nx

from . import analysis
from .collect import Collected
from .forces import force_layout

#: Seed of every layout (results are stored, so they must not move between runs).
SEED = 0

#: Groups without a link are set apart on rows of at most this many, below the linked ones.
ISOLATES_PER_ROW = 8
_ISOLATE_ROW_HEIGHT = 0.1


def force_positions(nodes: list[str], edges: list[tuple[str, str, float]]) -> dict[str, tuple[float, float]]:
    """Positions in the unit square: the linked nodes by the one force layout (forces.py);
    nodes without a link on rows below them, in the given order, so they never push the
    linked ones together into a knot."""
    index = {
        v: i for i, v in enumerate(sorted({v for u, w, _ in edges if u != w for v in (u, w)} & set(nodes)))
    }
    linked = sorted(index, key=index.get)
    links = sorted(
        (min(index[u], index[v]), max(index[u], index[v]), weight)
        for u, v, weight in edges
        if u != v and u in index and v in index
    )
    isolated = [v for v in nodes if v not in index]
    rows = math.ceil(len(isolated) / ISOLATES_PER_ROW)
    if not linked:
        rows = max(rows, 1)
        height = 1.0 / rows
    else:
        height = _ISOLATE_ROW_HEIGHT
    pos: dict[str, tuple[float, float]] = {}
    if linked:
        xs, ys = force_layout(len(linked), links, seed=SEED, aspect=1.0)
        box_bottom = 1.0 - rows * height
        fitted = _normalise(dict(zip(linked, zip(xs, ys, strict=True), strict=True)))
        pos = {v: (x, round(y * box_bottom, 4)) for v, (x, y) in fitted.items()}
    for i, v in enumerate(isolated):
        row, col = divmod(i, ISOLATES_PER_ROW)
        in_row = min(ISOLATES_PER_ROW, len(isolated) - row * ISOLATES_PER_ROW)
        x = 0.5 if in_row == 1 else 0.05 + 0.9 * col / (in_row - 1)
        pos[v] = (round(x, 4), round(1.0 - rows * height + (row + 0.5) * height, 4))
    return pos


def _normalise(pos: dict[str, tuple[float, float]], margin: float = 0.05) -> dict[str, tuple[float, float]]:
    if not pos:
        return {}
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = (1 - 2 * margin) / span
    ox = (1 - (max(xs) - min(xs)) * scale) / 2
    oy = (1 - (max(ys) - min(ys)) * scale) / 2
    return {
        v: (round(ox + (x - min(xs)) * scale, 4), round(oy + (y - min(ys)) * scale, 4))
        for v, (x, y) in pos.items()
    }


def _circle(nodes: list[str], radius: float, cx: float = 0.5, cy: float = 0.5, offset: float = 0.0):
    n = len(nodes)
    return {
        v: (
            cx + radius * math.cos(2 * math.pi * i / n + offset),
            cy + radius * math.sin(2 * math.pi * i / n + offset),
        )
        for i, v in enumerate(nodes)
    }


def _cuthill_mckee(adj: dict[str, set[str]], nodes: list[str]) -> list[str]:
    """Reverse Cuthill-McKee order of `nodes` (sorted) over `adj`: BFS from a lowest-degree
    node, neighbours by degree, each component in turn; isolated nodes last."""
    order: list[str] = []
    seen: set[str] = set()
    isolated = [v for v in nodes if not adj[v]]
    for root in sorted((v for v in nodes if adj[v]), key=lambda v: (len(adj[v]), v)):
        if root in seen:
            continue
        seen.add(root)
        component = [root]
        i = 0
        while i < len(component):
            v = component[i]
            i += 1
            for w in sorted(adj[v] - seen, key=lambda w: (len(adj[w]), w)):
                seen.add(w)
                component.append(w)
        order.extend(reversed(component))
    return order + isolated


def member_network(adj: dict[str, dict[str, dict]], members: frozenset[str], collected: Collected) -> dict:
    """A group's members and their direct partners, with the ties of T among them, laid out
    in linear time: members on an inner circle in reverse Cuthill-McKee order (partners sit
    close, isolated members last), outsiders on an outer ring at the mean angle of the members
    they deal with. Inside vs outside the circle is the picture of the E-I index.
    `adj` is T's adjacency as plain dicts (node -> neighbour -> edge data)."""
    members_sorted = sorted(members)
    inner = {m: {v for v in adj[m] if v in members} for m in members_sorted}
    order = _cuthill_mckee(inner, members_sorted)
    if len(order) == 1:
        pos = {order[0]: (0.5, 0.5)}
    else:
        pos = _circle(order, 0.3, offset=-math.pi / 2)
    angle = {v: -math.pi / 2 + 2 * math.pi * i / max(len(order), 1) for i, v in enumerate(order)}
    outside: dict[str, list[str]] = defaultdict(list)
    for m in members_sorted:
        for v in adj[m]:
            if v not in members:
                outside[v].append(m)

    sines = {m: math.sin(a) for m, a in angle.items()}
    cosines = {m: math.cos(a) for m, a in angle.items()}

    def mean_angle(v: str) -> float:
        ms = outside[v]
        return math.atan2(sum(sines[m] for m in ms), sum(cosines[m] for m in ms))

    wanted = {v: mean_angle(v) for v in outside}
    outer = sorted(outside, key=lambda v: (wanted[v] % (2 * math.pi), v))
    if len(outer) <= max(len(order), 12):
        for v in outer:  # few outsiders: each next to the members it deals with
            pos[v] = (0.5 + 0.46 * math.cos(wanted[v]), 0.5 + 0.46 * math.sin(wanted[v]))
    else:  # many: spread evenly on the ring, in the same angular order
        pos.update(_circle(outer, 0.46, offset=wanted[outer[0]] % (2 * math.pi)))
    edges = []
    ref = collected.ref
    for m in members_sorted:
        mine = ref(m)
        for v, d in adj[m].items():
            if v in members and v < m:
                continue  # inner tie: seen from both ends, keep one
            theirs = ref(v)
            a, b = (mine, theirs) if mine <= theirs else (theirs, mine)
            edges.append({"source": a, "target": b, "weight": d["weight"], "kind": d["kind"]})
    edges.sort(key=lambda e: (e["source"], e["target"]))
    return {
        "nodes": [
            {
                "ref": collected.ref(v),
                "kind": "person" if v.startswith("p:") else "actor",
                "member": v in members,
                "x": round(pos[v][0], 4),
                "y": round(pos[v][1], 4),
            }
            for v in order + outer
        ],
        "edges": edges,
    }


#: Strongest links kept per group in the stored network of groups, and at most this many in all.
GROUP_NETWORK_TOP = 4
GROUP_NETWORK_MAX_EDGES = 2000


def group_network(
    collected: Collected,
    data: analysis.ScopeData,
    scores: analysis.ScopeScores,
    layout: GroupLayout | None = None,
) -> dict:
    """Groups as nodes; an edge when two groups share members in the window or their members
    exchanged across them (giver in A and not B, receiver in B and not A). Only the backbone is
    kept: each group's GROUP_NETWORK_TOP strongest links (shared members + exchanges), at most
    GROUP_NETWORK_MAX_EDGES of them, the strongest first (ties by refs); "edges_total" counts
    all links. So the picture stays readable and small for a district. `layout`: group_layout
    of the same collected rows (else worked out here)."""
    layout = layout or group_layout(collected, data)
    links, pos = layout.links, layout.positions
    nodes = []
    for gid in links.gids:
        ref, name, kind, _area = collected.groups[int(gid[2:])]
        nodes.append(
            {
                "ref": ref,
                "name": name,
                "kind": kind,
                "size": scores.groups[gid].size,
                "x": pos[gid][0],
                "y": pos[gid][1],
            }
        )
    edges = [
        {
            "source": collected.ref(a),
            "target": collected.ref(b),
            "shared_members": links.shared[(a, b)],
            "exchanges": links.across[(a, b)],
        }
        for a, b in links.pairs
    ]
    return {"nodes": nodes, "edges": edges, "edges_total": links.total}


@dataclass(frozen=True)
class _GroupLinks:
    gids: list[str]  # every group, by ref
    pairs: list[tuple[str, str]]  # the backbone's links, sorted
    weights: list[tuple[str, str, float]]  # the backbone's links with their layout strength
    shared: Counter[tuple[str, str]]  # members in common
    across: Counter[tuple[str, str]]  # exchanges across
    total: int  # every link, backbone or not


def _group_links(collected: Collected, data: analysis.ScopeData) -> _GroupLinks:
    """The links of group_network (its docstring says which are kept)."""
    groups_of: dict[str, set[str]] = defaultdict(set)
    for gid, members in data.memberships.items():
        for m in members:
            groups_of[m].add(gid)
    shared: Counter[tuple[str, str]] = Counter()
    for gs in groups_of.values():
        ordered = sorted(gs)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)] += 1
    across: Counter[tuple[str, str]] = Counter()
    for flow in data.flows:
        ga, gb = groups_of.get(flow.giver, set()), groups_of.get(flow.receiver, set())
        for a in ga - gb:
            for b in gb - ga:
                across[(a, b) if a < b else (b, a)] += 1
    strength = Counter(shared)
    strength.update(across)
    links: dict[str, list[tuple[int, str, tuple[str, str]]]] = defaultdict(list)
    for (a, b), w in strength.items():
        links[a].append((-w, b, (a, b)))
        links[b].append((-w, a, (a, b)))
    backbone = {pair for ranked in links.values() for _, _, pair in sorted(ranked)[:GROUP_NETWORK_TOP]}
    strongest = sorted(
        backbone, key=lambda pair: (-strength[pair], collected.ref(pair[0]), collected.ref(pair[1]))
    )
    pairs = sorted(strongest[:GROUP_NETWORK_MAX_EDGES])
    gids = sorted(data.memberships, key=lambda g: collected.groups[int(g[2:])][0])
    weights = [(a, b, 1.0 + math.log1p(shared[(a, b)] + across[(a, b)])) for a, b in pairs]
    return _GroupLinks(gids, pairs, weights, shared, across, len(strength))


@dataclass(frozen=True)
class GroupLayout:
    links: _GroupLinks
    positions: dict[str, tuple[float, float]]  # group id -> (x, y)


def group_layout(collected: Collected, data: analysis.ScopeData) -> GroupLayout:
    """group_network's links and their positions (a force layout, the costly part): all that
    needs no scores, so a snapshot works it out in another process meanwhile."""
    links = _group_links(collected, data)
    return GroupLayout(links, _layout_clusters(links.gids, links.weights, collected))


#: Up to this many groups are laid out together; above it, one cluster per area in a grid.
_LAYOUT_EXACT_MAX = 200


def _layout_clusters(gids: list[str], weights: list[tuple[str, str, float]], collected: Collected):
    """Positions of the group network: one force layout when small, else one per sub-area
    (villages of a district), side by side; a cluster too big for forces goes on a circle."""
    if len(gids) <= _LAYOUT_EXACT_MAX:
        return force_positions(gids, weights)
    by_area: dict[int, list[str]] = defaultdict(list)
    for gid in gids:
        by_area[collected.groups[int(gid[2:])][3]].append(gid)
    clusters = sorted(by_area.values(), key=lambda c: (-len(c), c[0]))
    cols = math.ceil(math.sqrt(len(clusters)))
    cell = 1.0 / cols
    pos = {}
    for i, cluster in enumerate(clusters):
        row, col = divmod(i, cols)
        members = set(cluster)
        inner = [(a, b, w) for a, b, w in weights if a in members and b in members]
        local = (
            force_positions(cluster, inner) if len(cluster) <= _LAYOUT_EXACT_MAX else _circle(cluster, 0.45)
        )
        for gid, (x, y) in local.items():
            pos[gid] = (
                round(col * cell + cell * (0.08 + 0.84 * x), 4),
                round(row * cell + cell * (0.08 + 0.84 * y), 4),
            )
    return pos


def held_together(network: dict) -> int:
    """The most members who would lose touch with the rest of their group without one member:
    cut_off (analysis.cut_off, articulation points) in the group's own network, its members
    and the ties among them as member_network stores them. Partners outside the group are left
    out: whether they stay in touch is not the group's to say."""
    members = {node["ref"] for node in (network or {}).get("nodes", []) if node.get("member")}
    graph = nx.Graph()
    graph.add_nodes_from(members)
    graph.add_edges_from(
        (edge["source"], edge["target"])
        for edge in (network or {}).get("edges", [])
        if edge["source"] in members and edge["target"] in members
    )
    return max(analysis.cut_off(graph)[0].values(), default=0)
