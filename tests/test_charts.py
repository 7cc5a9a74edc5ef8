"""Tests for groups.scores.charts: well-formed, deterministic, escaped, CSP-safe SVG."""

from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from groups.scores.charts import (
    LABEL_MAX_NODES,
    ChartEdge,
    ChartNode,
    Series,
    bar_chart_svg,
    line_chart_svg,
    network_svg,
    sparkline_svg,
)

SVG_NS = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<script>alert(1)</script>",
    '"onload=alert(1) x="',
    "'><svg onload=alert(1)>",
    "&amp; &lt;b&gt; & <b>bold</b>",
    "]]><!--",
]
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ----------------------------------------------------------------- helpers


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert tag(root) == "svg"
    return root


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(SVG_NS)


def find_all(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if tag(e) == name]


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def with_class(root: ET.Element, name: str, css: str) -> list[ET.Element]:
    return [e for e in find_all(root, name) if css in classes(e)]


def viewbox(root: ET.Element) -> tuple[float, float]:
    x0, y0, width, height = (float(v) for v in root.get("viewBox").split())
    assert (x0, y0) == (0, 0)
    return width, height


def assert_inside(root: ET.Element, tolerance: float = 0.11) -> None:
    """Every circle, line, polyline, rect and text position lies in the viewBox."""
    width, height = viewbox(root)

    def check(x: float, y: float) -> None:
        assert -tolerance <= x <= width + tolerance, (x, width)
        assert -tolerance <= y <= height + tolerance, (y, height)

    for element in root.iter():
        name = tag(element)
        if name == "circle":
            cx, cy, r = (float(element.get(a)) for a in ("cx", "cy", "r"))
            check(cx - r, cy - r)
            check(cx + r, cy + r)
        elif name == "line":
            check(float(element.get("x1")), float(element.get("y1")))
            check(float(element.get("x2")), float(element.get("y2")))
        elif name == "polyline":
            for point in element.get("points").split():
                x, y = point.split(",")
                check(float(x), float(y))
        elif name == "rect":
            x, y = float(element.get("x")), float(element.get("y"))
            check(x, y)
            check(x + float(element.get("width")), y + float(element.get("height")))
        elif name == "text":
            check(float(element.get("x")), float(element.get("y")))


def assert_safe(svg: str) -> ET.Element:
    """Well-formed, no script/style/foreignObject, no on* or style attributes."""
    root = parse(svg)
    for element in root.iter():
        assert tag(element) not in {"script", "style", "foreignObject", "iframe"}
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), attribute
            assert attribute != "style"
            if attribute == "href":
                assert not value.strip().lower().startswith(("javascript", "data", "vbscript"))
    assert "<script" not in svg and "<style" not in svg
    return root


def assert_accessible(root: ET.Element) -> None:
    assert root.get("role") in {"img", "group"}
    title_id = root.get("aria-labelledby")
    titles = [e for e in root if tag(e) == "title"]
    assert titles and titles[0].get("id") == title_id
    described = root.get("aria-describedby")
    if described:
        assert [e.get("id") for e in root if tag(e) == "desc"] == [described]


def social_graph() -> tuple[list[ChartNode], list[ChartEdge]]:
    nodes = [
        ChartNode("g1", "Arisan Melati", "arisan", size=8, href="/groups/1/"),
        ChartNode("g2", "Kelompok Tani Maju", "farmers", size=5, href="/groups/2/"),
        ChartNode("a1", "Pemerintah Desa", "actor", size=3),
        ChartNode("p1", "Siti", "person", highlight="broker", href="/people/1/"),
        ChartNode("p2", "Budi", "person"),
        ChartNode("p3", "Dewi", "person"),
        ChartNode("p4", "Wayan", "person", highlight="isolated"),
    ]
    edges = [
        ChartEdge("p1", "g1", 3, "bonding"),
        ChartEdge("p2", "g1", 1, "bonding"),
        ChartEdge("p1", "g2", 2, "bridging"),
        ChartEdge("p3", "g2", 1, "bonding"),
        ChartEdge("g1", "a1", 1, "linking"),
    ]
    return nodes, edges


def random_graph(count: int, edge_count: int, seed: int = 1):
    rng = random.Random(seed)
    nodes = [
        ChartNode(f"n{i}", f"Node {i}", rng.choice(["person", "actor", "arisan"]), size=rng.uniform(0.5, 20))
        for i in range(count)
    ]
    edges = [
        ChartEdge(
            f"n{rng.randrange(count)}",
            f"n{rng.randrange(count)}",
            rng.uniform(0.1, 9),
            rng.choice(["bonding", "bridging", "linking", ""]),
        )
        for _ in range(edge_count)
    ]
    return nodes, edges


def net(nodes, edges, **kwargs) -> str:
    kwargs.setdefault("title", "Network")
    kwargs.setdefault("description", "Who is connected to whom")
    return network_svg(nodes, edges, **kwargs)


# ------------------------------------------------------------------ network


def test_network_counts_structure_and_classes():
    nodes, edges = social_graph()
    root = assert_safe(net(nodes, edges))
    assert_accessible(root)
    assert root.get("width") == "100%"
    assert "cm-chart" in classes(root) and "cm-network" in classes(root)
    assert len(find_all(root, "circle")) == len(nodes)
    node_groups = with_class(root, "g", "cm-node")
    assert len(node_groups) == len(nodes)
    assert len(with_class(root, "line", "cm-edge")) == len(edges)
    # every node group carries a <title> with its label
    titles = sorted(next(c for c in g if tag(c) == "title").text for g in node_groups)
    assert titles == sorted(n.label for n in nodes)
    by_label = {next(c for c in g if tag(c) == "title").text: classes(g) for g in node_groups}
    assert {"kind-arisan"} <= by_label["Arisan Melati"]
    assert {"kind-person", "hl-broker"} <= by_label["Siti"]
    assert {"kind-actor"} <= by_label["Pemerintah Desa"]
    assert {"kind-farmers"} <= by_label["Kelompok Tani Maju"]
    assert {"hl-isolated", "cm-isolate"} <= by_label["Wayan"]
    edge_classes = [classes(e) for e in with_class(root, "line", "cm-edge")]
    assert sum("edge-bonding" in c for c in edge_classes) == 3
    assert sum("edge-bridging" in c for c in edge_classes) == 1
    assert sum("edge-linking" in c for c in edge_classes) == 1
    assert_inside(root)


def test_network_is_deterministic_and_order_independent():
    nodes, edges = random_graph(60, 90)
    first = net(nodes, edges, seed=3)
    assert first == net(nodes, edges, seed=3)
    rng = random.Random(99)
    for _ in range(3):
        shuffled_nodes = nodes[:]
        shuffled_edges = edges[:]
        rng.shuffle(shuffled_nodes)
        rng.shuffle(shuffled_edges)
        assert net(tuple(shuffled_nodes), iter(shuffled_edges), seed=3) == first
    assert net(nodes, edges, seed=4) != first


def test_network_large_graph_is_order_independent_too():
    nodes, edges = random_graph(400, 600, seed=5)
    first = net(nodes, edges)
    assert net(list(reversed(nodes)), list(reversed(edges))) == first


def test_network_escapes_hostile_text():
    nodes = [
        ChartNode(f"n{i}", text, kind=text, highlight=text, href=f"/x/?q={text}")
        for i, text in enumerate(HOSTILE)
    ]
    edges = [ChartEdge("n0", "n1", kind=HOSTILE[1]), ChartEdge("n1", "n2", kind=HOSTILE[0])]
    svg = net(nodes, edges, title=HOSTILE[0], description=HOSTILE[1], chart_id=HOSTILE[2])
    root = assert_safe(svg)
    assert_accessible(root)
    # text survives as text
    assert root.find(f"{SVG_NS}title").text == HOSTILE[0]
    assert root.find(f"{SVG_NS}desc").text == HOSTILE[1]
    titles = {next(c for c in g if tag(c) == "title").text for g in with_class(root, "g", "cm-node")}
    assert titles == set(HOSTILE)
    labels = {t.text for t in with_class(root, "text", "cm-label")}
    assert labels
    for label in labels:  # whole, or a non-empty start of one followed by an ellipsis
        if label not in HOSTILE:
            assert label.endswith("\u2026") and len(label) > 1, label
            assert any(h.startswith(label[:-1]) for h in HOSTILE), label
    assert "<script>alert(1)</scrip\u2026" in labels
    # class attributes hold only harmless tokens
    for element in root.iter():
        for token in classes(element):
            assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
    hrefs = [a.get("href") for a in find_all(root, "a")]
    assert f"/x/?q={HOSTILE[0]}" in hrefs


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "",
    ],
)
def test_network_drops_dangerous_hrefs(href):
    root = assert_safe(net([ChartNode("a", "A", "person", href=href)], []))
    assert find_all(root, "a") == []
    assert root.get("role") == "img"


def test_network_href_wrapping():
    nodes = [
        ChartNode("a", "A", "person", href="/people/1/"),
        ChartNode("b", "B", "person", href="https://example.org/b?x=1&y=2"),
        ChartNode("c", "C", "person", href="mailto:c@example.org"),
        ChartNode("d", "D", "person"),
    ]
    root = assert_safe(net(nodes, [ChartEdge("a", "b"), ChartEdge("c", "d")]))
    links = with_class(root, "a", "cm-node-link")
    assert sorted(a.get("href") for a in links) == [
        "/people/1/",
        "https://example.org/b?x=1&y=2",
        "mailto:c@example.org",
    ]
    for link in links:
        (group,) = list(link)
        assert tag(group) == "g" and "cm-node" in classes(group)
        assert len(find_all(group, "circle")) == 1
    # unlinked node is a bare group
    bare = [g for g in with_class(root, "g", "cm-node") if g not in [next(iter(a)) for a in links]]
    assert len(bare) == 1
    # links must stay reachable for assistive technology
    assert root.get("role") == "group"
    # labels linking to the same page are out of the tab order
    for label_link in with_class(root, "a", "cm-label-link"):
        assert label_link.get("tabindex") == "-1"


def test_network_isolates_are_placed_inside():
    nodes = [ChartNode(f"p{i}", f"P{i}", "person") for i in range(8)]
    edges = [ChartEdge("p0", "p1"), ChartEdge("p1", "p2"), ChartEdge("p2", "p0")]
    root = assert_safe(net(nodes, edges))
    assert len(find_all(root, "circle")) == 8
    isolates = with_class(root, "g", "cm-isolate")
    assert len(isolates) == 5
    assert_inside(root)
    positions = {(c.get("cx"), c.get("cy")) for c in find_all(root, "circle")}
    assert len(positions) == 8  # nobody sits on top of anybody


def test_network_only_isolates_and_single_node():
    root = assert_safe(net([ChartNode(f"p{i}", f"P{i}", "person") for i in range(30)], []))
    assert len(find_all(root, "circle")) == 30
    assert len({(c.get("cx"), c.get("cy")) for c in find_all(root, "circle")}) == 30
    assert_inside(root)
    root = assert_safe(net([ChartNode("solo", "Solo", "person")], []))
    assert len(find_all(root, "circle")) == 1
    assert_inside(root)


def circle_at(root) -> dict[str, tuple[float, float]]:
    """Node label (from its <title>) -> circle centre."""
    out = {}
    for group in with_class(root, "g", "cm-node"):
        title = next(c for c in group if tag(c) == "title").text
        circle = next(c for c in group if tag(c) == "circle")
        out[title] = (float(circle.get("cx")), float(circle.get("cy")))
    return out


def test_network_uses_stored_positions():
    nodes = [ChartNode(n, n.upper(), "person") for n in ("a", "b", "c", "d")]
    edges = [ChartEdge("a", "b"), ChartEdge("b", "c")]
    positions = {"a": (0.0, 0.0), "b": (1.0, 0.0), "c": (1.0, 1.0), "d": (0.0, 1.0)}
    root = assert_safe(net(nodes, edges, positions=positions))
    at = circle_at(root)
    assert at["A"][0] < at["B"][0] and at["A"][1] < at["D"][1]  # left/right and top/bottom kept
    assert abs(at["B"][0] - at["C"][0]) < 1e-6 and abs(at["A"][1] - at["B"][1]) < 1e-6
    assert_inside(root)
    # the picture follows the positions, not a layout: other positions, other picture
    moved = dict(positions, d=(0.5, 0.5))
    assert circle_at(assert_safe(net(nodes, edges, positions=moved)))["D"] != at["D"]
    assert net(nodes, edges, positions=positions) == net(list(reversed(nodes)), edges, positions=positions)


def test_network_nodes_without_usable_positions_go_on_the_ring():
    nodes = [ChartNode(n, n.upper(), "person") for n in ("a", "b", "c", "d", "e")]
    positions = {"a": (0.1, 0.2), "b": (0.9, 0.8), "c": (float("nan"), 0.5), "d": ("x", "y")}
    root = assert_safe(net(nodes, [ChartEdge("a", "b"), ChartEdge("c", "d")], positions=positions))
    at = circle_at(root)
    assert len(at) == 5 and len(set(at.values())) == 5
    assert_inside(root)


def test_network_stored_positions_skip_the_layout(monkeypatch):
    """With stored positions a page never runs the layout, so it stays fast at any size."""
    from groups.scores import charts

    def no_layout(*args, **kwargs):
        raise AssertionError("the layout ran although positions were given")

    monkeypatch.setattr(charts.network, "force_layout", no_layout)
    nodes, edges = random_graph(3000, 6000, seed=11)
    rng = random.Random(2)
    positions = {n.id: (rng.random(), rng.random()) for n in nodes}
    root = assert_safe(net(nodes, edges, positions=positions))
    assert len(find_all(root, "circle")) == 3000


def test_network_empty():
    root = assert_safe(net([], []))
    assert_accessible(root)
    assert find_all(root, "circle") == []


def test_network_ignores_unknown_endpoints_and_self_loops():
    nodes = [ChartNode("a", "A", "person"), ChartNode("b", "B", "person")]
    edges = [ChartEdge("a", "b"), ChartEdge("a", "zzz"), ChartEdge("a", "a")]
    root = assert_safe(net(nodes, edges))
    assert len(with_class(root, "line", "cm-edge")) == 1


def test_network_rejects_duplicate_ids():
    with pytest.raises(ValueError):
        net([ChartNode("a", "A", "person"), ChartNode("a", "B", "person")], [])


def test_network_sizes_and_weights_scale_and_clamp():
    nodes = [
        ChartNode("small", "S", "person", size=1),
        ChartNode("mid", "M", "person", size=4),
        ChartNode("big", "B", "arisan", size=10_000),
        ChartNode("bad", "X", "person", size=float("nan")),
    ]
    edges = [
        ChartEdge("small", "mid", weight=0.01),
        ChartEdge("mid", "big", weight=4),
        ChartEdge("big", "small", weight=1e9),
        ChartEdge("bad", "big", weight=float("inf")),
    ]
    root = assert_safe(net(nodes, edges))
    radius = {
        next(c for c in g if tag(c) == "title").text: float(find_all(g, "circle")[0].get("r"))
        for g in with_class(root, "g", "cm-node")
    }
    assert radius["S"] < radius["M"] < radius["B"]
    assert radius["B"] <= 3 * radius["M"]  # clamped
    widths = [float(e.get("stroke-width")) for e in with_class(root, "line", "cm-edge")]
    assert all(1 <= w <= 6 for w in widths)
    assert max(widths) == 6 and min(widths) == 1
    assert_inside(root)


def test_network_labels_only_for_small_graphs():
    nodes, edges = random_graph(LABEL_MAX_NODES, 50)
    root = assert_safe(net(nodes, edges))
    assert with_class(root, "text", "cm-label")
    for text in with_class(root, "text", "cm-label"):
        assert text.text.startswith("Node ")
    nodes, edges = random_graph(LABEL_MAX_NODES + 1, 50)
    root = assert_safe(net(nodes, edges))
    assert with_class(root, "text", "cm-label") == []
    assert len(with_class(root, "g", "cm-node")) == LABEL_MAX_NODES + 1
    assert all(any(tag(c) == "title" for c in g) for g in with_class(root, "g", "cm-node"))


def test_network_long_labels_are_shortened_but_title_is_complete():
    long = "Kelompok Wanita Tani Sejahtera Bersama Desa Sukamaju"
    root = assert_safe(net([ChartNode("a", long, "women")], []))
    (label,) = with_class(root, "text", "cm-label")
    assert label.text.endswith("\u2026") and len(label.text) < len(long)
    assert long.startswith(label.text[:-1])
    (node,) = with_class(root, "g", "cm-node")
    assert next(c for c in node if tag(c) == "title").text == long


def test_network_respects_size_and_stays_inside_viewbox():
    nodes, edges = random_graph(35, 40)
    for width, height in ((360, 640), (640, 480), (300, 120)):
        root = assert_safe(net(nodes, edges, width=width, height=height))
        assert viewbox(root) == (width, height)
        assert_inside(root)
    with pytest.raises(ValueError):
        net(nodes, edges, width=0)


@pytest.mark.slow
def test_network_2000_nodes_draws_every_node_without_labels():
    nodes, edges = random_graph(2000, 3000, seed=7)
    root = assert_safe(net(nodes, edges))
    assert len(find_all(root, "circle")) == 2000
    assert with_class(root, "text", "cm-label") == []  # too many to label: titles only
    assert_inside(root)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    labels=st.lists(st.text(max_size=30), min_size=0, max_size=25),
    pairs=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.floats(allow_nan=True, allow_infinity=True)),
        max_size=40,
    ),
    seed=st.integers(0, 2**31),
)
def test_network_property_wellformed_inside_and_text_preserved(labels, pairs, seed):
    nodes = [ChartNode(f"n{i}", label, "person", size=i % 4) for i, label in enumerate(labels)]
    edges = [ChartEdge(f"n{a}", f"n{b}", weight=w) for a, b, w in pairs]
    svg = net(nodes, edges, seed=seed)
    root = assert_safe(svg)
    assert len(find_all(root, "circle")) == len(nodes)
    assert_inside(root)
    titles = sorted(
        (next(c for c in g if tag(c) == "title").text or "") for g in with_class(root, "g", "cm-node")
    )
    # XML parsers (and HTML ones) normalise CR and CRLF line ends to LF.
    expected = (XML_INVALID.sub("", label).replace("\r\n", "\n").replace("\r", "\n") for label in labels)
    assert titles == sorted(expected)
    assert net(list(reversed(nodes)), list(reversed(edges)), seed=seed) == svg


# --------------------------------------------------------------- line chart

QUARTERS = ["2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3"]


def line(series, **kwargs) -> str:
    kwargs.setdefault("x_labels", QUARTERS)
    kwargs.setdefault("title", "Trend")
    kwargs.setdefault("description", "Quarterly trend")
    kwargs.setdefault("empty_text", "Belum ada data")
    return line_chart_svg(series, **kwargs)


def polyline_points(element: ET.Element) -> list[tuple[float, float]]:
    return [tuple(float(v) for v in p.split(",")) for p in element.get("points").split()]


def test_line_chart_basic_structure():
    root = assert_safe(
        line([Series("Exchanges", [1, 2, 3, 4, 5], "trend-a"), Series("Trust", [5, 4, 3, 2, 1])])
    )
    assert_accessible(root)
    assert "cm-line-chart" in classes(root)
    assert len(with_class(root, "polyline", "cm-line")) == 2
    assert len(with_class(root, "circle", "cm-point")) == 10
    series_groups = with_class(root, "g", "cm-series")
    assert [sorted(classes(g) - {"cm-series"}) for g in series_groups] == [["cm-s0", "trend-a"], ["cm-s1"]]
    legend = [t.text for t in with_class(root, "text", "cm-legend-text")]
    assert legend == ["Exchanges", "Trust"]
    x_labels = [t.text for t in with_class(root, "text", "cm-xlabel")]
    assert x_labels and x_labels[-1] == "2025 Q3"
    assert set(x_labels) <= set(QUARTERS)
    assert with_class(root, "line", "cm-grid") and with_class(root, "text", "cm-tick")
    assert_inside(root)


def test_line_chart_breaks_at_none():
    root = assert_safe(line([Series("A", [1, 2, None, 4, 5])]))
    runs = with_class(root, "polyline", "cm-line")
    assert [len(polyline_points(r)) for r in runs] == [2, 2]
    # the gap: first run ends before the third x position, second starts after it
    assert runs[0] is not runs[1]
    assert polyline_points(runs[0])[-1][0] < polyline_points(runs[1])[0][0]
    assert len(with_class(root, "circle", "cm-point")) == 4


def test_line_chart_single_points_become_dots_and_nan_is_a_gap():
    root = assert_safe(line([Series("A", [1, None, 3, float("nan"), 5])]))
    assert with_class(root, "polyline", "cm-line") == []
    assert len(with_class(root, "circle", "cm-point")) == 3
    root = assert_safe(line([Series("A", [7])], x_labels=["2025 Q3"]))
    assert with_class(root, "polyline", "cm-line") == []
    assert len(with_class(root, "circle", "cm-point")) == 1
    assert_inside(root)


@pytest.mark.parametrize(
    "series,labels",
    [([], QUARTERS), ([Series("A", [None] * 5)], QUARTERS), ([Series("A", [])], []), ([], [])],
)
def test_line_chart_empty_shows_empty_text(series, labels):
    root = assert_safe(line(series, x_labels=labels))
    assert_accessible(root)
    assert [t.text for t in with_class(root, "text", "cm-empty-text")] == ["Belum ada data"]
    assert find_all(root, "polyline") == [] and find_all(root, "circle") == []


def test_line_chart_mismatched_lengths_and_formatting():
    root = assert_safe(
        line(
            [Series("A", [0.1, 0.5, 2.0, 0.7, 0.9, 0.3, 0.2]), Series("B", [0.5])],
            y_max=1.0,
            y_format=lambda v: f"{v * 100:.0f}%",
        )
    )
    assert len(with_class(root, "circle", "cm-point")) == 6  # 5 + 1, extra values dropped
    ticks = [t.text for t in with_class(root, "text", "cm-tick")]
    assert ticks[0] == "0%" and ticks[-1] == "100%"
    assert all(t.endswith("%") for t in ticks)
    assert_inside(root)  # 2.0 is clamped to y_max


def test_line_chart_negative_values_and_no_x_labels():
    root = assert_safe(line([Series("A", [-3, 2, -1])], x_labels=[]))
    assert len(with_class(root, "circle", "cm-point")) == 3
    assert with_class(root, "line", "cm-zero")
    assert_inside(root)


def test_line_chart_escapes_hostile_text():
    svg = line(
        [Series(HOSTILE[0], [1, 2, 3, 4, 5], HOSTILE[1])],
        x_labels=HOSTILE,
        title=HOSTILE[2],
        description=HOSTILE[3],
        y_format=lambda v: HOSTILE[0],
    )
    root = assert_safe(svg)
    assert root.find(f"{SVG_NS}title").text == HOSTILE[2]
    assert [t.text for t in with_class(root, "text", "cm-legend-text")] == [HOSTILE[0]]
    assert {t.text for t in with_class(root, "text", "cm-tick")} == {HOSTILE[0]}
    empty = assert_safe(line([], empty_text=HOSTILE[0]))
    assert [t.text for t in with_class(empty, "text", "cm-empty-text")] == [HOSTILE[0]]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=32)), max_size=12),
        max_size=5,
    ),
    count=st.integers(0, 12),
)
def test_line_chart_property(rows, count):
    labels = [f"2025 Q{i % 4 + 1}" for i in range(count)]
    svg = line([Series(f"S{i}", row) for i, row in enumerate(rows)], x_labels=labels)
    root = assert_safe(svg)
    assert_inside(root, tolerance=1.0)
    assert svg == line([Series(f"S{i}", row) for i, row in enumerate(rows)], x_labels=labels)


# ---------------------------------------------------------------- bar chart


def bars(categories, series, **kwargs) -> str:
    kwargs.setdefault("title", "Exchanges")
    kwargs.setdefault("description", "By resource type")
    kwargs.setdefault("empty_text", "Belum ada data")
    return bar_chart_svg(categories, series, **kwargs)


def test_bar_chart_stacked():
    series = [
        Series("Money", [1, 2, 3, None], "res-money"),
        Series("Labour", [2, 0, None, 4], "res-labour"),
    ]
    root = assert_safe(bars(QUARTERS[:4], series, stacked=True, value_labels=True))
    assert_accessible(root)
    rects = with_class(root, "rect", "cm-bar")
    assert len(rects) == 6
    # stacked: each category's bars share x and touch each other
    by_x: dict[str, list[ET.Element]] = {}
    for rect in rects:
        by_x.setdefault(rect.get("x"), []).append(rect)
    assert len(by_x) == 4
    totals = [t.text for t in with_class(root, "text", "cm-value")]
    assert totals == ["3", "2", "3", "4"]
    assert [g for g in with_class(root, "g", "res-money") if "cm-series" in classes(g)]
    assert_inside(root)


def test_bar_chart_grouped_and_heights_proportional():
    root = assert_safe(bars(["A", "B"], [Series("Given", [2, 4]), Series("Received", [1, 0])]))
    rects = with_class(root, "rect", "cm-bar")
    assert len(rects) == 4
    heights = [float(r.get("height")) for r in rects]
    # order: series 0 (A, B), series 1 (A, B)
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.2)
    assert heights[0] == pytest.approx(2 * heights[2], abs=0.2)
    assert heights[3] == 0
    assert len({r.get("x") for r in rects}) == 4
    assert_inside(root)


def test_bar_chart_horizontal_grows_with_rows_and_shortens_labels():
    categories = ["Money (gift or contribution)", "Loan", "Care (children, elderly, sick)"]
    series = [Series("Given", [3, 1, 2], "flow-given"), Series("Received", [1, None, 5])]
    small = assert_safe(bars(categories[:1], series, horizontal=True))
    root = assert_safe(bars(categories, series, horizontal=True, value_labels=True))
    assert "cm-horizontal" in classes(root)
    assert viewbox(root)[1] > viewbox(small)[1]
    assert len(with_class(root, "rect", "cm-bar")) == 5
    labels = [t for t in with_class(root, "text", "cm-ylabel")]
    assert len(labels) == 3
    # a long label wraps onto two lines instead of being cut
    assert [t.text for t in labels[0] if t.tag.endswith("tspan")] == ["Money (gift or", "contribution)"]
    assert labels[1].text == "Loan"
    assert {t.text for t in with_class(root, "text", "cm-value")} == {"3", "1", "2", "5"}
    assert_inside(root)


def test_bar_chart_label_longer_than_four_lines_is_cut_with_the_whole_label_as_its_title():
    name = "Ikatan antarkelompok yang sangat panjang sekali namanya (bridging)"
    root = assert_safe(bars([name], [Series("Given", [3])], horizontal=True))
    (label,) = with_class(root, "text", "cm-ylabel")
    lines = [t.text for t in label if t.tag.endswith("tspan")]
    assert len(lines) == 4 and lines[3].endswith("\u2026")
    assert label.find(f"{SVG_NS}title").text == name


def test_bar_chart_indicator_names_are_not_cut():
    """The group profile's Indonesian names used to end "Ikatan ke / lembaga berwena…" and
    "Ketergantungan / pada bantuan lu…" (two lines of 15 characters at the default width)."""
    names = ["Ikatan ke lembaga berwenang (linking)", "Ketergantungan pada bantuan luar"]
    root = assert_safe(bars(names, [Series("Kelompok ini", [0.02, 0.0])], horizontal=True))
    labels = with_class(root, "text", "cm-ylabel")
    shown = [" ".join(t.text for t in label if t.tag.endswith("tspan")) for label in labels]
    assert shown == names
    assert_inside(root)


def test_chart_text_reads_at_12_px_on_a_phone():
    """Drawn 300 px wide (a 360 px phone), the smallest text (value labels) is 12 px or more."""
    root = assert_safe(bars(["A", "B"], [Series("Given", [3, 1])], value_labels=True))
    scale = 300 / viewbox(root)[0]
    assert float(root.get("font-size")) * 0.9 * scale >= 12
    values = next(g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "cm-values")
    assert float(values.get("font-size")) * scale >= 12


def test_bar_chart_negative_values_stack_downwards():
    root = assert_safe(bars(["A"], [Series("x", [3]), Series("y", [-2]), Series("z", [1])], stacked=True))
    rects = with_class(root, "rect", "cm-bar")
    zero_line = next(line for line in with_class(root, "line", "cm-axis"))
    zero_y = float(zero_line.get("y1"))
    below = [r for r in rects if float(r.get("y")) >= zero_y - 0.11]
    assert len(below) == 1
    assert_inside(root)


@pytest.mark.parametrize(
    "categories,series",
    [([], []), (["A"], []), (["A", "B"], [Series("x", [None, None])]), ([], [Series("x", [1])])],
)
def test_bar_chart_empty(categories, series):
    root = assert_safe(bars(categories, series, stacked=True))
    assert [t.text for t in with_class(root, "text", "cm-empty-text")] == ["Belum ada data"]
    assert with_class(root, "rect", "cm-bar") == []


def test_bar_chart_escapes_hostile_text():
    svg = bars(
        HOSTILE,
        [Series(HOSTILE[1], [1, 2, 3, 4, 5], HOSTILE[0])],
        title=HOSTILE[0],
        description=HOSTILE[2],
        value_format=lambda v: HOSTILE[3],
        value_labels=True,
    )
    root = assert_safe(svg)
    assert root.find(f"{SVG_NS}desc").text == HOSTILE[2]
    assert {t.text for t in with_class(root, "text", "cm-value")} == {HOSTILE[3]}
    for rect in with_class(root, "rect", "cm-bar"):
        assert HOSTILE[1] in rect[0].text
    svg = bars(HOSTILE, [Series("x", [1] * 5)], horizontal=True)
    assert_safe(svg)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), max_size=8), max_size=4),
    count=st.integers(0, 8),
    stacked=st.booleans(),
    horizontal=st.booleans(),
)
@example(rows=[[5e-324]], count=1, stacked=False, horizontal=False)  # a range that underflowed to 0
def test_bar_chart_property(rows, count, stacked, horizontal):
    categories = [f"C{i}" for i in range(count)]
    series = [Series(f"S{i}", row) for i, row in enumerate(rows)]
    root = assert_safe(bars(categories, series, stacked=stacked, horizontal=horizontal, value_labels=True))
    expected = sum(1 for row in rows for v in row[:count] if v is not None)
    assert len(with_class(root, "rect", "cm-bar")) == expected
    assert_inside(root, tolerance=1.0)


# ---------------------------------------------------------------- sparkline


def test_sparkline():
    root = assert_safe(sparkline_svg([1, 3, None, 2, 5, 4], title="Trend"))
    assert_accessible(root)
    assert root.get("width") == "120" and root.get("height") == "28"
    runs = find_all(root, "polyline")
    assert [len(polyline_points(r)) for r in runs] == [2, 3]
    assert len(with_class(root, "circle", "cm-spark-last")) == 1
    assert_inside(root)


def test_sparkline_edge_cases():
    for values in ([], [None, None], [float("nan")]):
        root = assert_safe(sparkline_svg(values, title="x"))
        assert find_all(root, "polyline") == []
        assert with_class(root, "line", "cm-spark-empty")
    root = assert_safe(sparkline_svg([4], title="x"))
    assert len(find_all(root, "circle")) == 1
    root = assert_safe(sparkline_svg([2, 2, 2], title="x"))
    (run,) = find_all(root, "polyline")
    assert len({y for _, y in polyline_points(run)}) == 1
    root = assert_safe(sparkline_svg([1, None, 2, None, 3], title=HOSTILE[0]))
    assert root.find(f"{SVG_NS}title").text == HOSTILE[0]
    assert len(with_class(root, "circle", "cm-spark-dot")) == 2


# -------------------------------------------------------------------- misc


def test_chart_ids_are_unique_per_chart_and_overridable():
    a = parse(line([Series("A", [1, 2, 3])]))
    b = parse(line([Series("B", [1, 2, 3])]))
    assert a.get("aria-labelledby") != b.get("aria-labelledby")
    c = parse(line([Series("A", [1, 2, 3])], chart_id="trend-1"))
    assert c.get("aria-labelledby") == "trend-1-t"
    assert c.get("aria-describedby") == "trend-1-d"


def test_no_inline_styles_anywhere():
    nodes, edges = social_graph()
    outputs = [
        net(nodes, edges),
        line([Series("A", [1, None, 3, 4, 5])]),
        bars(QUARTERS, [Series("A", [1, 2, 3, 4, 5])], stacked=True),
        bars(QUARTERS, [Series("A", [1, 2, 3, 4, 5])], horizontal=True, value_labels=True),
        sparkline_svg([1, 2, 3], title="x"),
        line([]),
    ]
    for svg in outputs:
        assert "style=" not in svg and "<style" not in svg
        assert not math.isnan(len(svg))
        assert_safe(svg)


def test_a_missing_value_breaks_a_line_into_runs():
    from groups.scores.charts.lines import _runs

    assert _runs([]) == []
    assert _runs([None, None]) == []
    assert _runs([1, 2, None, 3, None, None, 4, 5, 6]) == [[0, 1], [3], [6, 7, 8]]
