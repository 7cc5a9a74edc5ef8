"""Social-capital indicators for people, groups and an area (pure Python, no Django).

The Django glue turns database rows into a :class:`ScopeData` (plain strings and
tuples) and calls :func:`compute_scores`; it can also call :func:`build_graphs`
to export the graphs.  Everything here is deterministic: inputs are sorted
before any graph is built, floating sums that could depend on set order use
``math.fsum``, and the only random step (sampled betweenness on components larger
than :data:`BETWEENNESS_EXACT_LIMIT`, above any 20,000-person community) takes a seed.

Graphs (node attribute ``kind`` is ``"person"`` or ``"actor"``):

* **D**, the exchange digraph.  Every person in scope is a node, isolated people
  included, plus every external actor that exchanged with at least one person.
  Edge ``u -> v`` carries ``count`` (number of exchanges from u to v) and one
  integer attribute per resource type in :data:`RESOURCES` (zeros included, so
  GraphML/GEXF exports get a uniform schema).
* **T**, the tie graph.  Undirected, same nodes; ``u - v`` when any exchange
  went either way.  ``weight`` is the sum of both directions' counts (built by
  hand: ``DiGraph.to_undirected()`` would keep one direction's attributes only)
  and ``kind`` is the tie class: ``"linking"`` when one end is an external actor
  with authority (``ScopeData.authority_actors``: it holds power or resources over
  the community), ``"bridging"`` when one end is an actor without authority (the
  members' own cooperative, a mosque committee, a shop) or when two people share
  no group, ``"bonding"`` when two people share at least one group (memberships
  open in the window, as passed in ``memberships``).
* **B**, memberships (person x group), is kept as plain sets.

Flows are cleaned before anything is counted: a self-flow (giver == receiver),
a flow with an end that is neither an in-scope person nor a known actor, and a
flow between two actors (no person involved) are ignored.  A resource outside
:data:`RESOURCES` is a programming error and raises ``ValueError``.  An id
listed both as a person and as an actor is treated as a person.  Group members
are the in-scope people of ``memberships[group]``; out-of-scope ids are dropped.

Outside nodes (``ScopeData.outside``): a community's computation also holds the people and
actors outside it who exchanged with it.  An outside person is a person node of D and T (a
partner of those they exchanged with, and on every path through them, so betweenness and
brokerage are the same whoever reads), but gets no :class:`PersonScores` row, belongs to no
group of the scope and is not counted in :attr:`AreaScores.people` or ``isolated_share``;
an outside actor is an actor node not counted in :attr:`AreaScores.actors`.  Their ties and
exchanges with people in scope are the scope's own and are counted like any other.

Undefined values ("blank" in the app) are ``None``.  No value is rounded.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import multiprocessing
import os
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TypeVar

import igraph
import networkx as nx

from .forking import fork_pool

RESOURCES: tuple[str, ...] = (
    "money",
    "loan",
    "goods",
    "labour",
    "knowledge",
    "information",
    "emotional_support",
    "care",
)
LEARNING_RESOURCES = frozenset({"knowledge", "information"})
#: Money and goods: from an authority actor they are aid (a loan is credit, labour, care and
#: support are services).
MATERIAL_RESOURCES = frozenset({"money", "goods"})
#: Units read as Indonesian rupiah for aid_value_share (compared lower-case, without a dot).
IDR_UNITS = frozenset({"idr", "rp", "rupiah"})
#: Given and received within this factor of each other count as balanced (balanced_share).
BALANCE_FACTOR = 1.5
PERSON, ACTOR = "person", "actor"
BONDING, BRIDGING, LINKING = "bonding", "bridging", "linking"

#: Components of T with at most this many nodes get exact betweenness. A 20,000-person
#: community's tie graph has about 20,050 nodes (its people, actors and outside partners);
#: sampling there ranked the brokers wrongly (its top-10 shared 1 person with the exact one).
BETWEENNESS_EXACT_LIMIT = 25_000
#: Pivots (sampled BFS sources) for a component larger than the limit.
BETWEENNESS_PIVOTS = 500
#: Processes sharing the betweenness of a large component (1 = none forked).
BETWEENNESS_WORKERS = 2
_BLOCK = 256  # BFS sources per unit of work
_PARALLEL_MIN_WORK = 100_000_000  # sources x adjacency entries (~0.3 s in C); below it, no fork

_RESOURCE_SET = frozenset(RESOURCES)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Flow:
    """One exchange, already filtered to the time window (disputed ones excluded)."""

    giver: str  # node id: people like "p:12", external actors like "a:3"
    receiver: str
    resource: str  # one of RESOURCES
    amount: float | None = None  # as recorded, in ``unit``; None when none was given
    unit: str = ""


def in_idr(unit: str) -> bool:
    """Whether an exchange's unit is Indonesian rupiah ("IDR", "Rp", "Rp.", "rupiah")."""
    return unit.strip().lower().rstrip(".") in IDR_UNITS


@dataclass(frozen=True)
class ActivityRecord:
    """One activity of a group and who attended it (empty: attendance not recorded)."""

    group: str  # group id like "g:5"
    attendees: frozenset[str]  # person ids
    day: dt.date | None = None  # None: every member of the window counts as a member that day


@dataclass(frozen=True)
class Spell:
    """One membership: a person in a group from `joined` to `left` (both inclusive; None =
    open at that end: blank joined_on means a member from the start)."""

    person: str
    joined: dt.date | None = None
    left: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.joined is None or self.joined <= day) and (self.left is None or self.left >= day)


@dataclass(frozen=True)
class GroupCalendar:
    """What deciding whether a group is quiet needs, as of the window's end."""

    meeting_frequency: str = ""  # Group.meeting_frequency; "" or "irregular" = none declared
    last_activity: dt.date | None = None  # latest activity on or before the window's end
    since: dt.date | None = None  # when the group started (formed_on, else when it was entered)
    active: bool = True  # Group.is_active: a group marked as no longer active has ended, not gone quiet


@dataclass(frozen=True)
class ScopeData:
    """Everything the indicators need about one scope (village, district, ...)."""

    people: tuple[str, ...]  # every person in scope (isolates included)
    actors: tuple[str, ...]  # external actors known in scope
    flows: tuple[Flow, ...]
    memberships: Mapping[str, frozenset[str]] = field(default_factory=dict)
    activities: tuple[ActivityRecord, ...] = ()
    # group id -> for each norm in force, the rating of its latest review when that review is
    # current (review_is_current), None when the norm is due for review (older or never reviewed)
    norm_ratings: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)
    # actor ids that hold power or resources over the community (linking ties, aid, capacity
    # building); every other actor counts as one without authority
    authority_actors: frozenset[str] = frozenset()
    #: people (not in ``people``) and actors (also in ``actors``) outside the community who
    #: exchanged with it: nodes for ties and paths, no score row (module docstring)
    outside: frozenset[str] = frozenset()
    # group id -> the memberships open in the window with their dates (participation counts
    # the members on each activity's day); a group missing here: its members count every day
    membership_spells: Mapping[str, tuple[Spell, ...]] = field(default_factory=dict)
    # group id -> meeting rhythm and last activity; `as_of` is the window's end (quiet groups)
    calendars: Mapping[str, GroupCalendar] = field(default_factory=dict)
    as_of: dt.date | None = None


# -------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class PersonScores:
    """Indicators of one person (every person in scope gets one, isolates too).

    * ``partners``: degree of the person in T.
    * ``given`` / ``received``: exchanges out of / into the person (out- and
      in-strength of D by ``count``); ``given_by_type`` / ``received_by_type``
      split them over :data:`RESOURCES` (zeros included).
    * ``bonding_ties`` / ``bridging_ties`` / ``linking_ties``: the person's T ties
      of each class (they add up to ``partners``).
    * ``reciprocity``: partners with flows in both directions / partners
      (None with no partners).
    * ``resource_access``: number of distinct resource types received; the
      resource-generator idea of Van der Gaag & Snijders (2005).
    * ``betweenness``: betweenness centrality on T, unweighted, normalised by
      ``(n-1)(n-2)/2`` unordered pairs of the whole T (Freeman 1977); 0.0 for
      isolates.  Estimated when :attr:`AreaScores.betweenness_estimated`.
    * ``cut_off``: how many people and actors would lose touch with the largest
      remaining part of the person's component C of T if the person stepped back:
      ``(|C| - 1) - (size of the largest component of C without the person)``;
      0 unless the person is a cut vertex (articulation point).  Base: ``|C| - 1``.
    * ``constraint``: Burt's (1992) constraint on T weighted by ``weight``,
      ``c_i = sum_{j in N(i)} (p_ij + sum_{q in N(i) & N(j)} p_iq p_qj)^2`` with
      ``p_ij = w_ij / sum_k w_ik``; equals ``nx.constraint(T, weight="weight")``.
      None for isolates.
    * ``effective_size``: Burt's effective size on unweighted T in Borgatti's
      (1997) closed form ``k - 2t/k`` (k = partners, t = ties among them);
      equals ``nx.effective_size(T)``.  None for isolates.
    """

    id: str
    partners: int
    given: int
    received: int
    given_by_type: dict[str, int]
    received_by_type: dict[str, int]
    bonding_ties: int
    bridging_ties: int
    linking_ties: int
    reciprocity: float | None
    resource_access: int
    betweenness: float
    constraint: float | None
    effective_size: float | None
    cut_off: int = 0
    #: indicator key -> the number of records the value rests on (see evidence.py)
    bases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupScores:
    """Indicators of one group; ``members`` are its in-scope people.

    "Member ties" are the T ties with at least one end in the group; "member
    exchanges" are the exchanges with at least one end in the group, each
    counted once.

    * ``size``: number of members.  ``ties`` / ``exchanges``: member ties and
      member exchanges (the denominators of the shares below).
    * ``density``: T ties among members / (size (size-1) / 2); None for size < 2.
    * ``reciprocity``: share of D's directed edges among members whose reverse
      edge exists too; None with no such edge.
    * ``transitivity``: Coleman's closure, ``nx.transitivity`` of the
      member-induced subgraph of T (3 x triangles / connected triples); None
      when there is no connected triple (so always None below 3 members).
    * ``ei_index``: Krackhardt & Stern (1988) (E - I) / (E + I) over member ties:
      I = ties between two members, E = ties between a member and anyone else
      (a non-member person or an external actor); None with no ties.
    * ``bonding`` / ``bridging`` / ``linking``: share of member ties of each
      class (see the module docstring); None with no ties.
    * ``bridging_groups`` / ``bridging_group_ids``: other groups sharing at least
      one member (Breiger 1974, duality of persons and groups).
    * ``linking_actors`` / ``linking_actor_ids``: distinct external actors with
      authority that exchanged (either direction) with members.
    * Where help comes from, over the exchanges members received:
      capacity building = knowledge or information from an authority actor;
      aid = money or goods from an authority actor (a loan is credit; labour,
      care and support are services).
    * ``self_reliance``: (received from people and from actors without
      authority) / (all received - capacity building); a training therefore
      leaves it unchanged.  None when the denominator is 0.
    * ``aid_dependence``: aid / money and goods received; None with none.
    * ``aid_value_share``: the same by amount, over the money and goods received
      with an amount in rupiah (:func:`in_idr`); None with none.
    * ``capacity_building``: the number of capacity-building exchanges (they
      also count as learning in ``learning_share``).
    * ``learning_share``: share of member exchanges whose resource is knowledge
      or information; None with no member exchanges.
    * ``balanced_share``: among members with any exchange, the share whose given
      and received are both at least 1 and within a factor of
      :data:`BALANCE_FACTOR` of each other (generalised reciprocity, which pair
      reciprocity misses in an arisan); None when no member exchanged.
    * ``bridges``: member ties whose loss would split T (``nx.bridges``).
    * ``centralization``: Freeman (1979) degree centralisation of the
      member-induced subgraph of T, ``sum_i (max_deg - deg_i) / ((n-1)(n-2))``
      (1.0 for a star, 0.0 for a clique); None for size < 3.
    * ``participation``: see :func:`participation`: over the activities with attendance
      recorded, the mean of (attendees who were members that day) / (members that day);
      None without such an activity.  ``attendance_unrecorded``: activities saved with
      nobody ticked, counted apart (never as zero attendance).
    * ``norms_active``: number of norms in force; ``norm_rating``: mean rating of the
      latest review of each, over the norms whose latest review is current
      (:func:`review_is_current`); ``norms_due``: norms in force whose latest review is
      older or missing (due for review, not averaged).
    * ``last_activity`` / ``quiet``: the group's latest activity as of the window's end,
      and :func:`is_quiet`.
    """

    id: str
    size: int
    ties: int
    exchanges: int
    density: float | None
    reciprocity: float | None
    transitivity: float | None
    ei_index: float | None
    bonding: float | None
    bridging: float | None
    linking: float | None
    bridging_groups: int
    bridging_group_ids: tuple[str, ...]
    linking_actors: int
    linking_actor_ids: tuple[str, ...]
    self_reliance: float | None
    aid_dependence: float | None
    learning_share: float | None
    centralization: float | None
    participation: float | None
    norms_active: int
    norm_rating: float | None
    balanced_share: float | None = None
    aid_value_share: float | None = None
    capacity_building: int = 0
    bridges: int = 0
    #: indicator key -> the number of records the value rests on (see evidence.py)
    bases: dict[str, int] = field(default_factory=dict)
    attendance_unrecorded: int = 0
    norms_due: int = 0
    last_activity: dt.date | None = None
    quiet: bool = False


#: GroupScores fields summarised by their median in AreaScores.group_medians.
GROUP_MEDIAN_FIELDS: tuple[str, ...] = (
    "size",
    "density",
    "reciprocity",
    "transitivity",
    "ei_index",
    "bonding",
    "bridging",
    "linking",
    "bridging_groups",
    "linking_actors",
    "self_reliance",
    "aid_dependence",
    "learning_share",
    "centralization",
    "participation",
    "norms_active",
    "norm_rating",
    "balanced_share",
    "aid_value_share",
    "capacity_building",
    "bridges",
)


#: What ``compute_scores(structure=False)`` leaves out: (PersonScores fields, GroupScores fields).
STRUCTURE_FIELDS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("constraint", "effective_size"),
    ("transitivity", "centralization", "bridges"),
)


@dataclass(frozen=True)
class AreaScores:
    """Indicators of the whole scope.

    * ``people``, ``groups``, ``actors`` (actor nodes, i.e. actors that
      exchanged with a person), ``exchanges`` (valid flows), ``ties`` (edges of T).
      Outside nodes (ScopeData.outside) are not counted in people or actors (nor in
      isolated_share); their ties and exchanges with the scope are.
    * ``isolated_share``: share of people with no exchange; None with no people.
    * ``components``: connected components of T, isolates and actors included.
    * ``bonding_share`` / ``bridging_share`` / ``linking_share``: share of T's
      ties of each class; None with no ties.
    * ``reciprocity``: share of D's directed edges whose reverse edge exists;
      None with no edges.
    * ``brokers``: up to N person ids with the highest betweenness, only those
      with betweenness > 0; ties broken by id.
    * ``groups_by_self_reliance``: group ids with a defined self_reliance,
      ascending (most dependent on outside actors first), ties by id.
    * ``groups_by_ei_index``: group ids with a defined ei_index, ascending (most
      inward-looking first), ties by id.
    * ``betweenness_estimated``: True when some component of T was larger than
      :data:`BETWEENNESS_EXACT_LIMIT` and its betweenness was sampled.
    * ``group_medians``: median over groups (ignoring None) of each field in
      :data:`GROUP_MEDIAN_FIELDS`; None when no group has a value.
    * Rankings and medians leave out a value whose base is below its minimum when
      ``compute_scores`` is given ``minimums`` (the app's are in evidence.py).
    """

    people: int
    groups: int
    actors: int
    exchanges: int
    ties: int
    isolated_share: float | None
    components: int
    bonding_share: float | None
    bridging_share: float | None
    linking_share: float | None
    reciprocity: float | None
    brokers: tuple[str, ...]
    groups_by_self_reliance: tuple[str, ...]
    groups_by_ei_index: tuple[str, ...]
    betweenness_estimated: bool
    group_medians: dict[str, float | None]


@dataclass(frozen=True)
class ScopeScores:
    people: dict[str, PersonScores]
    groups: dict[str, GroupScores]
    area: AreaScores
    #: (D, T) the scores were computed on, so callers need not build them again.
    graphs: tuple[nx.DiGraph, nx.Graph] | None = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Prepared:
    people: tuple[str, ...]  # sorted, unique person nodes (outside people included)
    actors: tuple[str, ...]  # sorted actor nodes (actors that exchanged with a person)
    counts: dict[tuple[str, str, str], int]  # (giver, receiver, resource) -> exchanges
    # (giver, receiver, resource) -> rupiah amounts of money and goods given in IDR
    idr: dict[tuple[str, str, str], list[float]]
    authority: frozenset[str]  # actor nodes with authority
    members: dict[str, frozenset[str]]  # group id -> in-scope members, sorted by id
    groups_of: dict[str, frozenset[str]]  # person -> groups
    outside: frozenset[str] = frozenset()  # nodes without a score row (ScopeData.outside)


def _prepare(data: ScopeData) -> _Prepared:
    scored = set(data.people)
    person_set = scored | (set(data.outside) - set(data.actors))
    known = person_set | set(data.actors)
    outside = frozenset(data.outside) - scored
    counts: Counter[tuple[str, str, str]] = Counter()
    idr: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for f in data.flows:
        if f.resource not in _RESOURCE_SET:
            raise ValueError(f"unknown resource {f.resource!r}")
        g, r = f.giver, f.receiver
        # skip self-flows, unknown ends, actor-to-actor flows (no person involved) and flows
        # between two outside nodes (not the scope's)
        if (
            g != r
            and g in known
            and r in known
            and (g in person_set or r in person_set)
            and not (g in outside and r in outside)
        ):
            counts[(g, r, f.resource)] += 1
            if f.resource in MATERIAL_RESOURCES and f.amount is not None and in_idr(f.unit):
                idr[(g, r, f.resource)].append(float(f.amount))
    actors = {n for g, r, _ in counts for n in (g, r) if n not in person_set}
    # an outside person is a node only through a counted exchange with the scope
    person_set = scored | {n for g, r, _ in counts for n in (g, r) if n in person_set}
    group_ids = set(data.memberships) | set(data.norm_ratings)
    group_ids |= {a.group for a in data.activities}
    members = {
        gid: frozenset(data.memberships.get(gid, frozenset()) & scored) for gid in sorted(group_ids)
    }
    groups_of: dict[str, set[str]] = defaultdict(set)
    for gid, ms in members.items():
        for m in ms:
            groups_of[m].add(gid)
    return _Prepared(
        people=tuple(sorted(person_set)),
        actors=tuple(sorted(actors)),
        counts=dict(sorted(counts.items())),
        idr={key: sorted(values) for key, values in sorted(idr.items())},
        authority=frozenset(actors & set(data.authority_actors)),
        members=members,
        groups_of={p: frozenset(gs) for p, gs in groups_of.items()},
        outside=outside,
    )


def _tie_kind(u: str, v: str, prep: _Prepared, actor_set: set[str]) -> str:
    if u in actor_set or v in actor_set:
        return LINKING if u in prep.authority or v in prep.authority else BRIDGING
    shared = not prep.groups_of.get(u, frozenset()).isdisjoint(prep.groups_of.get(v, ()))
    return BONDING if shared else BRIDGING


def _graphs(prep: _Prepared) -> tuple[nx.DiGraph, nx.Graph]:
    edges: dict[tuple[str, str], dict[str, int]] = {}
    for (g, r, res), c in prep.counts.items():
        attrs = edges.get((g, r))
        if attrs is None:
            attrs = edges[(g, r)] = {"count": 0, **dict.fromkeys(RESOURCES, 0)}
        attrs["count"] += c
        attrs[res] += c
    weights: Counter[tuple[str, str]] = Counter()
    for (g, r), attrs in edges.items():
        weights[(g, r) if g < r else (r, g)] += attrs["count"]
    actor_set = set(prep.actors)
    D, T = nx.DiGraph(), nx.Graph()
    for G in (D, T):
        G.add_nodes_from(prep.people, kind=PERSON)
        G.add_nodes_from(prep.actors, kind=ACTOR)
    D.add_edges_from((g, r, attrs) for (g, r), attrs in sorted(edges.items()))
    T.add_edges_from(
        (u, v, {"weight": w, "kind": _tie_kind(u, v, prep, actor_set)})
        for (u, v), w in sorted(weights.items())
    )
    return D, T


def build_graphs(data: ScopeData) -> tuple[nx.DiGraph, nx.Graph]:
    """Return ``(D, T)``, the exchange digraph and the tie graph (module docstring)."""
    return _graphs(_prepare(data))


# ---------------------------------------------------------------------- betweenness


def _dependencies(graph: igraph.Graph, sources: list[int]) -> list[float]:
    """Brandes (2001): sum over ``sources`` s of the dependency delta_s(v), all v.

    Summed over every source this is betweenness over *ordered* pairs (twice the
    undirected value).  Computed by igraph's C core: its subset betweenness of an
    undirected graph counts each pair from a source once and halves it, hence the 2.
    """
    return [2.0 * x for x in graph.betweenness(directed=False, sources=sources)]


_WORKER_GRAPH: igraph.Graph | None = None


def _set_worker_graph(graph: igraph.Graph) -> None:
    global _WORKER_GRAPH
    _WORKER_GRAPH = graph


def _worker_block(sources: list[int]) -> list[float]:
    return _dependencies(_WORKER_GRAPH, sources)


def _parallel_blocks(graph, blocks, workers) -> list[list[float]] | None:
    """Dependencies of each block in forked worker processes; None if unavailable."""
    if multiprocessing.current_process().daemon:  # daemonic processes can't fork children
        return None
    try:
        with fork_pool(workers, initializer=_set_worker_graph, initargs=(graph,)) as pool:
            return list(pool.map(_worker_block, blocks))
    except (ValueError, OSError, RuntimeError, BrokenProcessPool):
        return None


def _dependency_sum(graph: igraph.Graph, sources: list[int], workers: int) -> list[float]:
    """:func:`_dependencies` over ``sources``, in fixed blocks of sources.

    Blocks are summed in the same order however many processes computed them, so
    the floats are identical with 1 or more workers.  Workers are only forked
    when the work (sources x adjacency entries) is worth a process start.
    """
    blocks = [sources[i : i + _BLOCK] for i in range(0, len(sources), _BLOCK)]
    workers = min(workers, len(blocks), _available_cpus())
    parts = None
    if workers > 1 and len(sources) * 2 * graph.ecount() >= _PARALLEL_MIN_WORK:
        parts = _parallel_blocks(graph, blocks, workers)
    if parts is None:
        parts = [_dependencies(graph, block) for block in blocks]
    total = [0.0] * graph.vcount()
    for part in parts:
        for i, x in enumerate(part):
            total[i] += x
    return total


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def tie_betweenness(
    T: nx.Graph,
    *,
    seed: int = 0,
    exact_limit: int | None = None,
    pivots: int | None = None,
    workers: int | None = None,
) -> tuple[dict[str, float], bool]:
    """Normalised, unweighted betweenness of every node of T, and an "estimated" flag.

    Freeman (1977), computed with Brandes' (2001) algorithm by igraph's C core (networkx
    is the reference: the tests check the two agree).  A node's betweenness
    only depends on its own connected component, so each component is computed
    on its own and divided by the whole graph's ``(n-1)(n-2)``: this is the value
    of ``nx.betweenness_centrality(T, normalized=True)`` (checked in the tests).

    A component with more than ``exact_limit`` (default
    :data:`BETWEENNESS_EXACT_LIMIT`) nodes is estimated from ``k = min(size,
    pivots)`` BFS sources (default :data:`BETWEENNESS_PIVOTS`) drawn without
    replacement with ``random.Random(seed)``; the dependency sum is scaled by
    ``(N-1)/k`` for non-pivots and ``(N-1)/(k-1)`` for pivots (whose own source
    term is zero), N = component size, which is unbiased.  Large components are
    shared among ``workers`` forked processes (default :data:`BETWEENNESS_WORKERS`;
    1 = no process); the result does not depend on the number of workers.
    """
    exact_limit = BETWEENNESS_EXACT_LIMIT if exact_limit is None else exact_limit
    pivots = BETWEENNESS_PIVOTS if pivots is None else pivots
    workers = BETWEENNESS_WORKERS if workers is None else workers
    if pivots < 2:
        raise ValueError("pivots must be at least 2")
    n = T.number_of_nodes()
    result = dict.fromkeys(T, 0.0)
    if n < 3:
        return result, False
    norm = 1.0 / ((n - 1) * (n - 2))  # ordered pairs: 2 / ((n-1)(n-2)) / 2
    rng = random.Random(seed)
    estimated = False
    for component in sorted(nx.connected_components(T), key=min):
        size = len(component)
        if size < 3:
            continue
        # Numbered in breadth-first order from the smallest id: neighbours get near numbers, so
        # the engine's arrays are read in cache-friendly order (twice as fast at 20,000 nodes).
        root = min(component)
        nodes = [root, *(v for _, v in nx.bfs_edges(T, root, sort_neighbors=sorted))]
        index = {v: i for i, v in enumerate(nodes)}
        edges = [(index[v], index[w]) for v in nodes for w in T[v] if index[v] < index[w]]
        graph = igraph.Graph(n=size, edges=edges)  # unweighted, undirected, like T's ties
        if size <= exact_limit or pivots >= size:
            scale = [norm] * size
            dep = _dependency_sum(graph, list(range(size)), workers)
        else:
            estimated = True
            chosen = sorted(rng.sample(range(size), pivots))
            scale = [norm * (size - 1) / pivots] * size
            for s in chosen:
                scale[s] = norm * (size - 1) / (pivots - 1)
            dep = _dependency_sum(graph, chosen, workers)
        for i, v in enumerate(nodes):
            result[v] = dep[i] * scale[i]
    return result, estimated


# ----------------------------------------------------------------- structural holes


def _effective_size(nbrs: dict[str, set[str]], i: str) -> float | None:
    """Borgatti (1997): k - 2t/k, t = ties among i's k neighbours (unweighted)."""
    mine = nbrs[i]
    k = len(mine)
    if k == 0:
        return None
    twice_t = sum(len(mine & nbrs[j]) for j in mine)  # each tie seen from both ends
    return k - twice_t / k


def _constraint(
    wadj: dict[str, dict[str, int]],
    nbrs: dict[str, set[str]],
    strength: dict[str, int],
    i: str,
) -> float | None:
    """Burt (1992): sum over neighbours j of (p_ij + sum_q p_iq p_qj)^2."""
    mine = wadj[i]
    if not mine:
        return None
    s_i = strength[i]
    terms = []
    for j, w_ij in mine.items():
        w_j = wadj[j]
        indirect = math.fsum(mine[q] * w_j[q] / strength[q] for q in nbrs[i] & nbrs[j])
        terms.append((w_ij + indirect) / s_i)  # (p_ij + sum_q p_iq p_qj), factored
    return math.fsum(t * t for t in terms)


# ----------------------------------------------------------------------- indicators


def _share(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def median(values: Iterable[float | int | None]) -> float | None:
    """Median of the values that are not None (mean of the middle two); None if none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


@dataclass
class _Context:
    prep: _Prepared
    D: nx.DiGraph
    T: nx.Graph
    nbrs: dict[str, set[str]]
    given: dict[str, Counter[str]]
    received: dict[str, Counter[str]]
    # receiver -> where help came from: "authority" (all from authority actors), "capacity"
    # (knowledge/information from them), "aid" (money/goods from them), "material" (money and
    # goods from anyone)
    sources: dict[str, Counter[str]]
    # receiver -> (rupiah of aid, rupiah of money and goods, exchanges with a rupiah amount)
    rupiah: dict[str, tuple[list[float], list[float], int]]
    actor_set: frozenset[str]
    bridge_nbrs: dict[str, set[str]]  # node -> the other ends of its ties that are bridges
    cut_off: dict[str, int]
    component_size: dict[str, int]
    # T's and D's adjacency as their plain dicts (node -> neighbour -> edge data): read
    # hundreds of thousands of times, without the views networkx wraps around each lookup
    adj: dict[str, dict[str, dict]]
    succ: dict[str, dict[str, dict]]
    structure: bool = True  # False: the STRUCTURE_FIELDS are left out (compute_scores)


def _help_sources(prep: _Prepared) -> tuple[dict[str, Counter[str]], dict]:
    """Per receiver, received help by source (see _Context.sources) and rupiah amounts."""
    sources: dict[str, Counter[str]] = defaultdict(Counter)
    rupiah: dict[str, tuple[list[float], list[float], int]] = {}
    for (g, r, res), c in prep.counts.items():
        authority = g in prep.authority
        if authority:
            sources[r]["authority"] += c
            if res in LEARNING_RESOURCES:
                sources[r]["capacity"] += c
        if res in MATERIAL_RESOURCES:
            sources[r]["material"] += c
            if authority:
                sources[r]["aid"] += c
            amounts = prep.idr.get((g, r, res), [])
            if amounts:
                aid, material, n = rupiah.get(r, ([], [], 0))
                rupiah[r] = (aid + amounts if authority else aid, material + amounts, n + len(amounts))
    return sources, rupiah


def _context(prep: _Prepared, D: nx.DiGraph, T: nx.Graph, structure: bool = True) -> _Context:
    given: dict[str, Counter[str]] = defaultdict(Counter)
    received: dict[str, Counter[str]] = defaultdict(Counter)
    for (g, r, res), c in prep.counts.items():
        given[g][res] += c
        received[r][res] += c
    sources, rupiah = _help_sources(prep)
    adj = dict(T.adjacency())
    nbrs = {v: set(ws) for v, ws in adj.items()}
    bridge_nbrs: dict[str, set[str]] = defaultdict(set)
    for u, v in nx.bridges(T) if structure else ():
        bridge_nbrs[u].add(v)
        bridge_nbrs[v].add(u)
    cut, sizes = cut_off(T)
    return _Context(
        prep,
        D,
        T,
        nbrs,
        given,
        received,
        sources,
        rupiah,
        frozenset(prep.actors),
        bridge_nbrs,
        cut,
        sizes,
        adj,
        dict(D.adjacency()),
        structure,
    )


# ---------------------------------------------------------------------- cut vertices


def cut_off(T: nx.Graph) -> tuple[dict[str, int], dict[str, int]]:
    """(cut_off of every node, size of its connected component), in one pass over T.

    ``cut_off(v) = (|C| - 1) - (largest component of C - v)``, C = v's component: the
    number of nodes that would lose touch with the largest remaining part if v were gone;
    0 unless v is a cut vertex (the nodes of ``nx.articulation_points``).  Hopcroft &
    Tarjan (1973): in a depth-first tree, removing v separates each child subtree c with
    ``low(c) >= disc(v)`` (all of them at the root); the rest of C stays together.  So the
    parts are those subtrees' sizes and ``|C| - 1 -`` their sum, in O(nodes + ties)
    (10,000 people take well under a second; a node-by-node removal would be quadratic).
    """
    disc: dict[str, int] = {}
    low: dict[str, int] = {}
    size: dict[str, int] = {}
    separated: dict[str, list[int]] = defaultdict(list)
    out: dict[str, int] = {}
    component_size: dict[str, int] = {}
    adj = dict(T.adjacency())
    for root in sorted(adj):
        if root in disc:
            continue
        order = [root]
        disc[root] = low[root] = len(disc)
        size[root] = 1
        stack = [(root, None, iter(adj[root]))]
        while stack:
            v, parent, neighbours = stack[-1]
            for w in neighbours:
                if w not in disc:
                    disc[w] = low[w] = len(disc)
                    size[w] = 1
                    order.append(w)
                    stack.append((w, v, iter(adj[w])))
                    break
                if w != parent:
                    low[v] = min(low[v], disc[w])
            else:
                stack.pop()
                if parent is not None:
                    low[parent] = min(low[parent], low[v])
                    size[parent] += size[v]
                    if low[v] >= disc[parent]:
                        separated[parent].append(size[v])
        whole = size[root]
        for v in order:
            parts = separated.get(v, [])
            rest = whole - 1 - sum(parts)
            out[v] = whole - 1 - max([*parts, rest])
            component_size[v] = whole
    return out, component_size


def _person_scores(ctx: _Context, betweenness: dict[str, float]) -> dict[str, PersonScores]:
    adj, succ = ctx.adj, ctx.succ
    wadj = {v: {u: d["weight"] for u, d in ws.items()} for v, ws in adj.items()} if ctx.structure else {}
    strength = {v: sum(ws.values()) for v, ws in wadj.items()}
    out = {}
    for p in ctx.prep.people:
        if p in ctx.prep.outside:  # a partner and on paths, but no row of this scope
            continue
        ties, gave_to = adj[p], succ[p]
        partners = len(ties)  # T has no self-loop, so this is its degree
        kinds = Counter(d["kind"] for d in ties.values())
        both = sum(1 for q in ties if q in gave_to and p in succ[q])
        given, received = ctx.given.get(p, Counter()), ctx.received.get(p, Counter())
        out[p] = PersonScores(
            id=p,
            partners=partners,
            given=sum(given.values()),
            received=sum(received.values()),
            given_by_type={r: given[r] for r in RESOURCES},
            received_by_type={r: received[r] for r in RESOURCES},
            bonding_ties=kinds[BONDING],
            bridging_ties=kinds[BRIDGING],
            linking_ties=kinds[LINKING],
            reciprocity=_share(both, partners),
            resource_access=sum(1 for r in RESOURCES if received[r]),
            betweenness=betweenness[p],
            constraint=_constraint(wadj, ctx.nbrs, strength, p) if ctx.structure else None,
            effective_size=_effective_size(ctx.nbrs, p) if ctx.structure else None,
            cut_off=ctx.cut_off[p],
            bases={**_person_bases(partners), "cut_off": ctx.component_size[p] - 1},
        )
    return out


def _person_bases(partners: int) -> dict[str, int]:
    """What a person's values rest on: their tie mix and reciprocity on their partners."""
    return dict.fromkeys(("bonding_ties", "bridging_ties", "linking_ties", "reciprocity"), partners)


def _closure(members: frozenset[str], inner: list[tuple[str, str]]) -> tuple[float | None, float | None]:
    """(transitivity, centralization) of the member-induced subgraph of T."""
    H = nx.Graph()
    H.add_nodes_from(sorted(members))
    H.add_edges_from(inner)
    n = len(members)
    triples = sum(d * (d - 1) for _, d in H.degree())
    transitivity = nx.transitivity(H) if triples else None
    centralization = None
    if n >= 3:
        degrees = [d for _, d in H.degree()]
        top = max(degrees)
        centralization = sum(top - d for d in degrees) / ((n - 1) * (n - 2))
    return transitivity, centralization


def _tie_profile(ctx: _Context, members: frozenset[str]) -> dict:
    """Member ties of T: inner ties, E/I counts, tie classes, linked authority actors, bridges."""
    authority = ctx.prep.authority
    inner: list[tuple[str, str]] = []
    external = bridges = 0
    kinds: Counter[str] = Counter()
    actors: set[str] = set()
    for m in members:
        cut = ctx.bridge_nbrs.get(m, ())
        for v, d in ctx.adj[m].items():
            if v in members:
                if m < v:
                    inner.append((m, v))
                    kinds[d["kind"]] += 1
                    bridges += v in cut
                continue
            external += 1
            kinds[d["kind"]] += 1
            bridges += v in cut
            if v in authority:
                actors.add(v)
    return {
        "inner": sorted(inner),
        "external": external,
        "kinds": kinds,
        "actors": actors,
        "bridges": bridges,
    }


def _exchange_profile(ctx: _Context, members: frozenset[str]) -> dict:
    """Member exchanges of D (each counted once) and directed-edge reciprocity."""
    succ = ctx.succ
    touching = learning = received = active = balanced = 0
    edges = reciprocated = 0
    sources: Counter[str] = Counter()
    aid_idr: list[float] = []
    material_idr: list[float] = []
    idr_exchanges = 0
    for m in sorted(members):
        g, r = ctx.given.get(m, Counter()), ctx.received.get(m, Counter())
        out, into = sum(g.values()), sum(r.values())
        touching += out + into
        learning += sum(g[x] + r[x] for x in LEARNING_RESOURCES)
        received += into
        active += out + into > 0
        balanced += _balanced(out, into)
        sources.update(ctx.sources.get(m, {}))
        if m in ctx.rupiah:
            aid_idr += ctx.rupiah[m][0]
            material_idr += ctx.rupiah[m][1]
            idr_exchanges += ctx.rupiah[m][2]
        for v, d in succ[m].items():
            if v in members:  # inner exchange: seen as given and as received
                touching -= d["count"]
                learning -= sum(d[x] for x in LEARNING_RESOURCES)
                edges += 1
                reciprocated += m in succ[v]
    without_capacity = received - sources["capacity"]
    return {
        "exchanges": touching,
        "learning_share": _share(learning, touching),
        "self_reliance": _share(received - sources["authority"], without_capacity),
        "aid_dependence": _share(sources["aid"], sources["material"]),
        "aid_value_share": _share(math.fsum(sorted(aid_idr)), math.fsum(sorted(material_idr))),
        "capacity_building": sources["capacity"],
        "balanced_share": _share(balanced, active),
        "reciprocity": _share(reciprocated, edges),
        "bases": {
            "learning_share": touching,
            "self_reliance": without_capacity,
            "aid_dependence": sources["material"],
            "aid_value_share": idr_exchanges,
            "capacity_building": received,
            "balanced_share": active,
            "reciprocity": edges,
        },
    }


def _balanced(given: int, received: int) -> bool:
    """Both at least 1 and within BALANCE_FACTOR of each other (exact: 1.5 x an integer is exact)."""
    return given >= 1 and received >= 1 and max(given, received) <= BALANCE_FACTOR * min(given, received)


#: Days between meetings for each declared Group.meeting_frequency ("irregular" declares none).
MEETING_INTERVAL_DAYS: dict[str, int] = {"weekly": 7, "fortnightly": 14, "monthly": 30, "quarterly": 91}
#: A group is quiet after this many of its meeting intervals without any activity ...
QUIET_INTERVALS = 3
#: ... or after this many days when it declared no interval.
QUIET_DAYS_UNDECLARED = 90
#: A norm's latest review counts for its rating for this many months before the window's end.
NORM_REVIEW_MONTHS = 12


def quiet_after_days(meeting_frequency: str) -> int:
    """Days without any activity after which a group is quiet: three meeting intervals, or
    :data:`QUIET_DAYS_UNDECLARED` when no interval is declared."""
    interval = MEETING_INTERVAL_DAYS.get(meeting_frequency)
    return QUIET_INTERVALS * interval if interval else QUIET_DAYS_UNDECLARED


def is_quiet(rhythm: GroupCalendar, as_of: dt.date) -> bool:
    """True when the group recorded no activity for more than :func:`quiet_after_days` days
    before `as_of` (counted from its last activity, or from its start when it has none; no
    known start: quiet). At exactly that many days the last due meeting may still be held that
    day, so the group is not quiet yet; one day later it is. A group marked as no longer active
    has ended: it is never quiet (quiet means "nothing recorded", not "ended")."""
    if not rhythm.active:
        return False
    since = rhythm.last_activity or rhythm.since
    if since is None:
        return True
    return (as_of - since).days > quiet_after_days(rhythm.meeting_frequency)


def review_is_current(reviewed_on: dt.date, as_of: dt.date) -> bool:
    """Whether a review counts for a norm's rating at `as_of` (the window's end): made within
    the :data:`NORM_REVIEW_MONTHS` months before it (later than the same day that many months
    earlier). Older: the norm is due for review."""
    year, month0 = divmod(as_of.year * 12 + as_of.month - 1 - NORM_REVIEW_MONTHS, 12)
    if year < dt.MINYEAR:
        return reviewed_on <= as_of
    cutoff = dt.date(year, month0 + 1, min(as_of.day, calendar.monthrange(year, month0 + 1)[1]))
    return cutoff < reviewed_on <= as_of


_Review = TypeVar("_Review")


def current_review(reviews: Sequence[tuple[dt.date, _Review]], as_of: dt.date) -> _Review | None:
    """Of a norm's reviews (day, anything), oldest first, the latest made on or before `as_of`
    when it is current (:func:`review_is_current`); None when the norm is due for review (that
    review is older, or there is none by then). The one rule for the score and the page."""
    latest = [review for review in reviews if review[0] <= as_of]
    if latest and review_is_current(latest[-1][0], as_of):
        return latest[-1][1]
    return None


def participation(
    activities: Iterable[ActivityRecord], members: frozenset[str], spells: Iterable[Spell] | None
) -> tuple[float | None, int, int]:
    """(participation, activities with attendance, activities without attendance) of a group.

    For each activity with attendance recorded (anyone ticked): the attendees who were
    members that day / the members that day, a member being one whose spell covers the day
    (no day or no spells given: every member of the window); participation is the mean over
    those activities. An activity saved with nobody ticked is "attendance not recorded":
    counted apart, never as zero. An activity on a day when the group had no member is left out.
    """
    spells = [s for s in spells or () if s.person in members] if spells is not None else None
    shares: list[float] = []
    unrecorded = 0
    for activity in activities:
        if not activity.attendees:
            unrecorded += 1
            continue
        if activity.day is None or spells is None:
            on_day = members
        else:
            on_day = frozenset(s.person for s in spells if s.covers(activity.day))
        if on_day:
            shares.append(len(activity.attendees & on_day) / len(on_day))
    value = math.fsum(shares) / len(shares) if shares else None
    return value, len(shares), unrecorded


def _group_scores(ctx: _Context, data: ScopeData) -> dict[str, GroupScores]:
    prep = ctx.prep
    visits_of: dict[str, list[ActivityRecord]] = defaultdict(list)
    for a in data.activities:
        visits_of[a.group].append(a)
    out = {}
    for gid, members in prep.members.items():
        n = len(members)
        ties = _tie_profile(ctx, members)
        flows = _exchange_profile(ctx, members)
        inner, kinds = ties["inner"], ties["kinds"]
        total_ties = len(inner) + ties["external"]
        transitivity, centralization = _closure(members, inner) if ctx.structure else (None, None)
        others = sorted({h for m in members for h in prep.groups_of[m]} - {gid})
        spells = data.membership_spells.get(gid) if data.membership_spells else None
        attended, with_attendance, unrecorded = participation(visits_of.get(gid, ()), members, spells)
        norms = data.norm_ratings.get(gid, ())
        ratings = [x for x in norms if x is not None]
        rhythm = data.calendars.get(gid)
        out[gid] = GroupScores(
            id=gid,
            size=n,
            ties=total_ties,
            exchanges=flows["exchanges"],
            density=_share(len(inner), n * (n - 1) / 2) if n >= 2 else None,
            reciprocity=flows["reciprocity"],
            transitivity=transitivity,
            ei_index=_share(ties["external"] - len(inner), total_ties),
            bonding=_share(kinds[BONDING], total_ties),
            bridging=_share(kinds[BRIDGING], total_ties),
            linking=_share(kinds[LINKING], total_ties),
            bridging_groups=len(others),
            bridging_group_ids=tuple(others),
            linking_actors=len(ties["actors"]),
            linking_actor_ids=tuple(sorted(ties["actors"])),
            self_reliance=flows["self_reliance"],
            aid_dependence=flows["aid_dependence"],
            aid_value_share=flows["aid_value_share"],
            capacity_building=flows["capacity_building"],
            balanced_share=flows["balanced_share"],
            bridges=ties["bridges"],
            learning_share=flows["learning_share"],
            centralization=centralization,
            participation=attended,
            norms_active=len(norms),
            norm_rating=sum(ratings) / len(ratings) if ratings else None,
            bases={
                **dict.fromkeys(("size", "density", "transitivity", "centralization"), n),
                **dict.fromkeys(("ei_index", "bonding", "bridging", "linking", "bridges"), total_ties),
                **flows["bases"],
                "participation": with_attendance,
                "norm_rating": len(ratings),
            },
            attendance_unrecorded=unrecorded,
            norms_due=len(norms) - len(ratings),
            last_activity=rhythm.last_activity if rhythm else None,
            quiet=bool(rhythm and data.as_of and is_quiet(rhythm, data.as_of)),
        )
    return out


def trusted(g: GroupScores, attr: str, minimums: Mapping[str, int]):
    """The value when its base reaches its minimum (evidence.py), else None: a value on too
    few records is left out of rankings and medians."""
    needed = minimums.get(attr, 0)
    return getattr(g, attr) if g.bases.get(attr, 0) >= needed else None


def _ranked(groups: dict[str, GroupScores], attr: str, minimums: Mapping[str, int]) -> tuple[str, ...]:
    defined = [(trusted(g, attr, minimums), gid) for gid, g in groups.items()]
    return tuple(gid for _, gid in sorted(x for x in defined if x[0] is not None))


def _area_scores(
    ctx: _Context,
    people: dict[str, PersonScores],
    groups: dict[str, GroupScores],
    estimated: bool,
    brokers: int,
    minimums: Mapping[str, int],
) -> AreaScores:
    D, T = ctx.D, ctx.T
    kinds = Counter(kind for _, _, kind in T.edges(data="kind"))
    ties = T.number_of_edges()
    reciprocated = sum(1 for u, out in ctx.succ.items() for v in out if u in ctx.succ[v])
    ranked = sorted((-p.betweenness, pid) for pid, p in people.items() if p.betweenness > 0)
    return AreaScores(
        people=len(people),
        groups=len(groups),
        actors=sum(1 for a in ctx.prep.actors if a not in ctx.prep.outside),
        exchanges=sum(ctx.prep.counts.values()),
        ties=ties,
        isolated_share=_share(sum(1 for p in people.values() if p.partners == 0), len(people)),
        components=nx.number_connected_components(T),
        bonding_share=_share(kinds[BONDING], ties),
        bridging_share=_share(kinds[BRIDGING], ties),
        linking_share=_share(kinds[LINKING], ties),
        reciprocity=_share(reciprocated, D.number_of_edges()),
        brokers=tuple(pid for _, pid in ranked[: max(brokers, 0)]),
        groups_by_self_reliance=_ranked(groups, "self_reliance", minimums),
        groups_by_ei_index=_ranked(groups, "ei_index", minimums),
        betweenness_estimated=estimated,
        group_medians={
            f: median(trusted(g, f, minimums) for g in groups.values()) for f in GROUP_MEDIAN_FIELDS
        },
    )


def compute_scores(
    data: ScopeData,
    *,
    seed: int = 0,
    brokers: int = 5,
    workers: int | None = None,
    betweenness: bool = True,
    structure: bool = True,
    minimums: Mapping[str, int] | None = None,
) -> ScopeScores:
    """All person, group and area indicators of one scope.

    ``seed`` only matters when betweenness is sampled and ``workers`` only changes
    the speed of betweenness (see :func:`tie_betweenness`); ``brokers`` is how
    many top-betweenness people :attr:`AreaScores.brokers` lists.
    ``betweenness=False`` skips the costliest step for cheap trend computations:
    every betweenness is then 0.0 and ``brokers`` is empty.
    ``structure=False`` also skips the next costliest, the :data:`STRUCTURE_FIELDS` (bridges,
    closure and structural holes, which no quarterly trend shows): they come out None (a
    group's ``bridges`` 0); their bases and every other value are the same.
    ``minimums`` (indicator key -> least base; the app passes evidence.MINIMUMS) leaves group
    values resting on fewer records out of the rankings and the medians; None: no minimum.
    """
    prep = _prepare(data)
    D, T = _graphs(prep)
    ctx = _context(prep, D, T, structure)
    if betweenness:
        values, estimated = tie_betweenness(T, seed=seed, workers=workers)
    else:
        values, estimated = dict.fromkeys(T, 0.0), False
    people = _person_scores(ctx, values)
    groups = _group_scores(ctx, data)
    area = _area_scores(ctx, people, groups, estimated, brokers, minimums or {})
    return ScopeScores(people, groups, area, graphs=(D, T))


__all__ = [
    "ACTOR",
    "BETWEENNESS_EXACT_LIMIT",
    "BETWEENNESS_PIVOTS",
    "BETWEENNESS_WORKERS",
    "BONDING",
    "BRIDGING",
    "GROUP_MEDIAN_FIELDS",
    "LEARNING_RESOURCES",
    "LINKING",
    "MATERIAL_RESOURCES",
    "PERSON",
    "RESOURCES",
    "STRUCTURE_FIELDS",
    "MEETING_INTERVAL_DAYS",
    "NORM_REVIEW_MONTHS",
    "QUIET_DAYS_UNDECLARED",
    "QUIET_INTERVALS",
    "ActivityRecord",
    "AreaScores",
    "Flow",
    "GroupCalendar",
    "GroupScores",
    "PersonScores",
    "ScopeData",
    "ScopeScores",
    "Spell",
    "build_graphs",
    "compute_scores",
    "current_review",
    "cut_off",
    "in_idr",
    "is_quiet",
    "median",
    "participation",
    "quiet_after_days",
    "review_is_current",
    "tie_betweenness",
    "trusted",
]
