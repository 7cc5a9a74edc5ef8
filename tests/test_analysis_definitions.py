"""Definitions 2-5 of the scores (tie classes with authority, where help comes from, giving
back, who holds the network together), checked on tiny graphs worked out by hand.

The arithmetic is in the comments; networkx itself is the independent check where it has the
same notion (articulation points, bridges, betweenness).
"""

import random

import networkx as nx
import pytest

from groups.scores.analysis import Flow, ScopeData, build_graphs, compute_scores, cut_off, in_idr


def data(people, flows, *, actors=(), groups=None, authority=()):
    """flows: (giver, receiver[, resource[, amount, unit]]); goods when no resource is named."""
    return ScopeData(
        people=tuple(people),
        actors=tuple(actors),
        flows=tuple(
            Flow(f[0], f[1], f[2] if len(f) > 2 else "goods", *(f[3:5] if len(f) > 3 else ())) for f in flows
        ),
        memberships={g: frozenset(m) for g, m in (groups or {}).items()},
        authority_actors=frozenset(authority),
    )


# ------------------------------------------------------------------- tie classes


def test_cooperative_tie_is_bridging_and_agency_tie_is_linking():
    # a and b share g. a exchanged with the cooperative (no authority) and with the district
    # agriculture office (authority); b with c, who shares no group with b.
    scope = data(
        ["p:a", "p:b", "p:c"],
        [("a:coop", "p:a", "money"), ("a:dinas", "p:a", "knowledge"), ("p:a", "p:b"), ("p:c", "p:b")],
        actors=["a:coop", "a:dinas"],
        groups={"g": {"p:a", "p:b"}, "h": {"p:c"}},
        authority=["a:dinas"],
    )
    _, T = build_graphs(scope)
    assert T["p:a"]["a:coop"]["kind"] == "bridging"
    assert T["p:a"]["a:dinas"]["kind"] == "linking"
    assert T["p:a"]["p:b"]["kind"] == "bonding"
    assert T["p:b"]["p:c"]["kind"] == "bridging"
    s = compute_scores(scope)
    a = s.people["p:a"]
    assert (a.bonding_ties, a.bridging_ties, a.linking_ties) == (1, 1, 1)
    g = s.groups["g"]
    # Member ties of g: a-b bonding, a-coop bridging, a-dinas linking, b-c bridging = 4.
    assert (g.bonding, g.bridging, g.linking) == (0.25, 0.5, 0.25)
    # Only the authority actor is a linking actor: the cooperative is the members' own.
    assert (g.linking_actors, g.linking_actor_ids) == (1, ("a:dinas",))


def test_an_actor_without_listed_authority_never_links():
    # Nothing passed as authority: every actor tie is bridging, no linking actor.
    scope = data(["p:a"], [("a:bank", "p:a", "loan")], actors=["a:bank"], groups={"g": {"p:a"}})
    s = compute_scores(scope)
    assert s.groups["g"].linking == 0.0 and s.groups["g"].linking_actors == 0
    assert s.area.bridging_share == 1.0


# --------------------------------------------------------- where help comes from


FARMERS = {"g": {"p:a", "p:b"}}


def farmers(*extra):
    # Before any training, members received: b->a goods, a->b money (from each other),
    # coop->a goods (actor without authority), dinas->b money (authority: aid).
    return data(
        ["p:a", "p:b"],
        [("p:b", "p:a"), ("p:a", "p:b", "money"), ("a:coop", "p:a"), ("a:dinas", "p:b", "money"), *extra],
        actors=["a:coop", "a:dinas"],
        groups=FARMERS,
        authority=["a:dinas"],
    )


def test_training_raises_learning_and_leaves_self_reliance_alone():
    before = compute_scores(farmers()).groups["g"]
    # received 4; from authority 1 (dinas money); capacity building 0: (4 - 1) / (4 - 0).
    assert before.self_reliance == 0.75 and before.capacity_building == 0
    # member exchanges: a->b, b->a (inner, once each), coop->a, dinas->b = 4; learning 0.
    assert before.learning_share == 0.0
    # money and goods received 4, aid 1 (dinas money): 1/4.
    assert before.aid_dependence == 0.25
    training = [("a:dinas", "p:a", "knowledge"), ("a:dinas", "p:b", "information")]
    after = compute_scores(farmers(*training)).groups["g"]
    # received 6; from authority 3; capacity building 2: (6 - 3) / (6 - 2) = 3/4, unchanged.
    # (The old rule, received from people / received, would fall from 3/4 to 3/6.)
    assert after.self_reliance == 0.75 and after.capacity_building == 2
    # learning: the 2 training exchanges of 6 member exchanges.
    assert after.learning_share == pytest.approx(1 / 3)
    # aid is money and goods only: still 1 of 4.
    assert after.aid_dependence == 0.25
    assert after.bases["self_reliance"] == 4 and after.bases["aid_dependence"] == 4
    assert after.bases["capacity_building"] == 6


def test_aid_versus_loan_labour_and_care_from_an_authority_actor():
    scope = data(
        ["p:a", "p:x"],
        [
            ("a:dinas", "p:a", "money"),  # aid
            ("a:dinas", "p:a", "goods"),  # aid
            ("a:bank", "p:a", "loan"),  # credit, not aid
            ("a:dinas", "p:a", "labour"),  # a service, not aid
            ("a:dinas", "p:a", "care"),  # a service, not aid
            ("p:x", "p:a", "money"),  # from a person
        ],
        actors=["a:dinas", "a:bank"],
        groups={"g": {"p:a"}},
        authority=["a:dinas", "a:bank"],
    )
    g = compute_scores(scope).groups["g"]
    # money and goods received: dinas money, dinas goods, x money = 3; aid 2: 2/3.
    assert g.aid_dependence == pytest.approx(2 / 3) and g.bases["aid_dependence"] == 3
    # received 6, from authority actors 5, capacity building 0: (6 - 5) / 6.
    assert g.self_reliance == pytest.approx(1 / 6)
    assert g.capacity_building == 0


def test_aid_value_share_counts_rupiah_amounts_only():
    scope = data(
        ["p:a", "p:x", "p:y"],
        [
            ("a:dinas", "p:a", "money", 300000.0, "IDR"),
            ("p:x", "p:a", "money", 100000.0, "Rp"),
            ("a:dinas", "p:a", "goods", 50.0, "kg"),  # not rupiah: out of the value share
            ("p:y", "p:a", "goods"),  # no amount
            ("a:dinas", "p:y", "money", 900000.0, "IDR"),  # y is not a member of g
        ],
        actors=["a:dinas"],
        groups={"g": {"p:a"}, "h": {"p:x"}},
        authority=["a:dinas"],
    )
    s = compute_scores(scope)
    g = s.groups["g"]
    # rupiah received: 300,000 (aid) + 100,000 (from x) = 400,000; aid 300,000: 3/4.
    assert g.aid_value_share == 0.75 and g.bases["aid_value_share"] == 2
    # by count: money and goods 4, aid 2 (dinas money and dinas goods): 1/2.
    assert g.aid_dependence == 0.5
    # h = {x} received nothing in rupiah: blank, not 0.
    assert s.groups["h"].aid_value_share is None and s.groups["h"].bases["aid_value_share"] == 0
    kilos = data(["p:a"], [("a:dinas", "p:a", "goods", 5.0, "kg")], actors=["a:dinas"], groups={"g": {"p:a"}})
    assert compute_scores(kilos).groups["g"].aid_value_share is None


def test_rupiah_units():
    assert all(in_idr(u) for u in ("IDR", "idr", "Rp", "Rp.", " rupiah "))
    assert not any(in_idr(u) for u in ("", "kg", "hours", "USD"))


# -------------------------------------------------------------------- giving back


def test_balanced_share_edge_cases():
    # a gives 3 and receives 2: 3 <= 1.5 x 2, exactly the factor: balanced.
    # b gives 2 and receives 1: 2 > 1.5 x 1: not balanced.  c gives 1, receives 0: not.
    # d has no exchange: not counted.  balanced 1 of 3 active members.
    flows = [("p:a", "p:x")] * 3 + [("p:x", "p:a")] * 2 + [("p:b", "p:y")] * 2
    flows += [("p:y", "p:b"), ("p:c", "p:y")]
    scope = data(
        ["p:a", "p:b", "p:c", "p:d", "p:x", "p:y"],
        flows,
        groups={"g": {"p:a", "p:b", "p:c", "p:d"}, "quiet": {"p:d"}, "pair": {"p:x", "p:y"}},
    )
    s = compute_scores(scope)
    assert s.groups["g"].balanced_share == pytest.approx(1 / 3) and s.groups["g"].bases["balanced_share"] == 3
    # nobody active in "quiet": blank, base 0.
    assert s.groups["quiet"].balanced_share is None and s.groups["quiet"].bases["balanced_share"] == 0
    # x gives 2, receives 3 (balanced); y gives 1, receives 3 (not): 1/2.
    assert s.groups["pair"].balanced_share == 0.5


# ----------------------------------------------------- who holds the network together


def broker_scope():
    # T: triangle a-b-s; s-c; c-k-e-m-c (a 4-cycle); e-office (an actor); apart: y-w; z alone.
    edges = [("a", "b"), ("a", "s"), ("b", "s"), ("s", "c"), ("c", "k"), ("k", "e"), ("c", "m"), ("m", "e")]
    flows = [(f"p:{u}", f"p:{v}") for u, v in edges] + [("a:office", "p:e", "knowledge"), ("p:y", "p:w")]
    people = [f"p:{x}" for x in "abscekmywz"]
    groups = {"g1": {"p:a", "p:b", "p:s"}, "g2": {"p:e"}, "g3": {"p:k"}, "g4": {"p:y", "p:w"}}
    return data(people, flows, actors=["a:office"], groups=groups, authority=["a:office"])


def test_cut_vertex_and_a_broker_who_is_not_one():
    s = compute_scores(broker_scope())
    p = s.people
    # The big component holds a, b, s, c, k, m, e and the office: |C| = 8, |C| - 1 = 7.
    # Without s: {a, b} and {c, k, m, e, office} (5): 7 - 5 = 2.
    # Without c: {a, b, s} and {k, m, e, office} (4): 7 - 4 = 3.
    # Without e: {office} and the other 6: 7 - 6 = 1 (an actor counts as cut off too).
    assert (p["p:s"].cut_off, p["p:c"].cut_off, p["p:e"].cut_off) == (2, 3, 1)
    # k lies on half the shortest paths between {a, b, s, c} and {e, office}: 8 pairs x 1/2
    # = 4, over (n-1)(n-2)/2 = 10 x 9 / 2 = 45 pairs (n = 11 nodes of T): a broker by
    # betweenness, yet m carries the same paths, so nobody loses touch without k.
    assert p["p:k"].betweenness == pytest.approx(4 / 45) and p["p:k"].cut_off == 0
    # y-w is a pair (without y, w is still in a component of 1 = |C| - 1): 0; z is alone.
    assert p["p:y"].cut_off == p["p:z"].cut_off == p["p:a"].cut_off == 0
    assert p["p:s"].bases["cut_off"] == 7 and p["p:z"].bases["cut_off"] == 0


def test_bridges_of_groups():
    s = compute_scores(broker_scope())
    g = s.groups
    # Bridges of T: s-c, e-office, y-w (every other tie lies on the triangle or the 4-cycle).
    # g1 = {a, b, s}: member ties a-b, a-s, b-s, s-c: one bridge (s-c).
    assert g["g1"].bridges == 1 and g["g1"].bases["bridges"] == 4
    # g2 = {e}: e-k, e-m, e-office: one bridge.  g3 = {k}: k-c, k-e: none.
    assert (g["g2"].bridges, g["g3"].bridges) == (1, 0)
    # g4 = {y, w}: the inner tie y-w, counted once.
    assert g["g4"].bridges == 1
    _, T = build_graphs(broker_scope())
    assert {frozenset(e) for e in nx.bridges(T)} == {
        frozenset(e) for e in [("p:s", "p:c"), ("p:e", "a:office"), ("p:y", "p:w")]
    }


def brute_cut_off(T, v):
    component = nx.node_connected_component(T, v)
    rest = T.subgraph(component - {v})
    largest = max((len(c) for c in nx.connected_components(rest)), default=0)
    return len(component) - 1 - largest


@pytest.mark.parametrize("seed", range(6))
def test_cut_off_matches_removing_each_node(seed):
    rng = random.Random(seed)
    n = rng.randint(5, 40)
    T = nx.gnm_random_graph(n, rng.randint(n // 2, 2 * n), seed=seed)
    T.add_edges_from((n + i, rng.randrange(n)) for i in range(5))  # a few leaves
    values, sizes = cut_off(T)
    assert values == {v: brute_cut_off(T, v) for v in T}
    assert {v for v, c in values.items() if c} == set(nx.articulation_points(T))
    assert sizes == {v: len(nx.node_connected_component(T, v)) for v in T}


# ---------------------------------------------------------------- tiny groups


def test_groups_of_zero_one_and_two_members_are_defined():
    scope = data(
        ["p:a", "p:b", "p:c", "p:d"],
        [("p:a", "p:b"), ("p:c", "p:d"), ("p:d", "p:c")],
        groups={"none": set(), "one": {"p:a"}, "two": {"p:a", "p:b"}, "mutual": {"p:c", "p:d"}},
    )
    g = compute_scores(scope).groups
    assert (g["none"].balanced_share, g["none"].aid_value_share) == (None, None)
    assert (g["none"].capacity_building, g["none"].bridges) == (0, 0)
    assert g["none"].self_reliance is None and g["none"].aid_dependence is None
    # one = {a}: a gave 1, received 0: 0 of 1 balanced; the tie a-b is a bridge.
    assert g["one"].balanced_share == 0.0 and g["one"].bridges == 1
    # two = {a, b}: a gave 1, b received 1: neither has both: 0/2; b received goods from a.
    assert g["two"].balanced_share == 0.0 and g["two"].self_reliance == 1.0
    assert g["two"].aid_dependence == 0.0 and g["two"].aid_value_share is None
    # mutual = {c, d}: 1 and 1 each: 2/2.
    assert g["mutual"].balanced_share == 1.0 and g["mutual"].bridges == 1
