"""Area figures of a part of a community (a village), aggregated from the community's own
computation: no graph of the part is built, so every value of a person or group is the one
the community computed, and the part's figures are sums, shares and medians over its rows.

Which figures are aggregates (the methodology page says the same):
- people, groups, isolated_share: over the part's people and groups (their rows);
- actors, exchanges, ties, bonding/bridging/linking shares, reciprocity: over the ties and
  exchanges with at least one end among the part's people (a tie that leaves the part is the
  part's too, never dropped);
- components: the components of the community's tie graph that hold someone of the part;
- brokers: the part's people ranked by their community betweenness;
- group rankings and medians: the community's values of the part's groups.
Pure Python (no Django), like analysis.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace

import networkx as nx

from .analysis import (
    BONDING,
    BRIDGING,
    GROUP_MEDIAN_FIELDS,
    LINKING,
    AreaScores,
    ScopeScores,
    median,
    trusted,
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def part_scores(
    scores: ScopeScores,
    people: Iterable[str],
    groups: Iterable[str],
    *,
    brokers: int,
    minimums: Mapping[str, int] | None = None,
) -> AreaScores:
    """The AreaScores of a part: `people` and `groups` are node ids of the community's
    computation (ids without a row there are ignored). `minimums` as in compute_scores:
    a group value on too few records is left out of the part's medians."""
    D, T = scores.graphs
    part = {p for p in people if p in scores.people}
    own_groups = {g: scores.groups[g] for g in groups if g in scores.groups}
    adj, succ = dict(T.adjacency()), dict(D.adjacency())  # plain dicts: no view per lookup
    kinds: Counter[str] = Counter()
    ties, actors = set(), set()
    for p in part:
        for q in adj[p]:
            ties.add((p, q) if p < q else (q, p))
            if T.nodes[q].get("kind") == "actor":
                actors.add(q)
    for u, v in ties:
        kinds[adj[u][v]["kind"]] += 1
    edges = [(p, q) for p in part for q in succ[p]]
    edges += [(q, p) for p in part for q in D.pred[p] if q not in part]
    exchanges = sum(succ[u][v]["count"] for u, v in edges)
    reciprocated = sum(1 for u, v in edges if u in succ[v])
    components = sum(1 for c in nx.connected_components(T) if not part.isdisjoint(c))
    ranked = sorted((-scores.people[p].betweenness, p) for p in part if scores.people[p].betweenness > 0)
    area = scores.area
    # replace(): a field added to AreaScores later keeps the community's value until it is
    # aggregated here too
    return replace(
        area,
        people=len(part),
        groups=len(own_groups),
        actors=len(actors),
        exchanges=exchanges,
        ties=len(ties),
        isolated_share=_share(sum(1 for p in part if scores.people[p].partners == 0), len(part)),
        components=components,
        bonding_share=_share(kinds[BONDING], len(ties)),
        bridging_share=_share(kinds[BRIDGING], len(ties)),
        linking_share=_share(kinds[LINKING], len(ties)),
        reciprocity=_share(reciprocated, len(edges)),
        brokers=tuple(p for _, p in ranked[: max(brokers, 0)]),
        groups_by_self_reliance=tuple(g for g in area.groups_by_self_reliance if g in own_groups),
        groups_by_ei_index=tuple(g for g in area.groups_by_ei_index if g in own_groups),
        group_medians={
            f: median(trusted(g, f, minimums or {}) for g in own_groups.values()) for f in GROUP_MEDIAN_FIELDS
        },
    )
