"""The network of groups survives isolates: groups without a link are set apart (stored layout
and dashboard picture), the linked ones keep their room, and no label covers a circle."""

import itertools
import math
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from groups.scores import layouts
from groups.scores.pages.dashboard import group_network_svg

SVG = "{http://www.w3.org/2000/svg}"
LINKED = ["g:1", "g:2", "g:3", "g:4", "g:5", "g:6"]
ISOLATES = ["g:7", "g:8", "g:9", "g:10", "g:11"]
EDGES = [("g:1", "g:2", 2.0), ("g:2", "g:3", 1.0), ("g:1", "g:3", 1.0), ("g:3", "g:4", 1.0),
         ("g:4", "g:5", 1.5), ("g:5", "g:6", 1.0), ("g:4", "g:6", 1.0)]  # fmt: skip


def test_stored_layout_puts_groups_without_links_on_a_row_below():
    pos = layouts.force_positions(LINKED + ISOLATES, EDGES)
    assert set(pos) == set(LINKED + ISOLATES)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos.values())
    lowest_linked = max(pos[g][1] for g in LINKED)
    assert all(pos[g][1] > lowest_linked for g in ISOLATES)
    # the linked groups use the picture: spread over most of its width, never on one spot
    xs = [pos[g][0] for g in LINKED]
    assert max(xs) - min(xs) > 0.5
    assert min(math.dist(pos[a], pos[b]) for a, b in itertools.combinations(LINKED, 2)) > 0.05
    assert pos == layouts.force_positions(LINKED + ISOLATES, EDGES)  # deterministic


def test_stored_layout_with_only_isolates_and_with_none():
    only = layouts.force_positions(ISOLATES, [])
    assert len(set(only.values())) == len(ISOLATES)
    assert layouts.force_positions([], []) == {}
    assert layouts.force_positions(["g:1"], []) == {"g:1": (0.5, 0.5)}


def old_snapshot():
    """Positions as an older layout stored them: isolates pushed to the corners, the linked
    groups squeezed into a knot in the middle."""
    knot = {g: (0.49 + 0.004 * i, 0.5 + 0.003 * (i % 2)) for i, g in enumerate(LINKED)}
    corners = [(0.02, 0.02), (0.98, 0.02), (0.02, 0.98), (0.98, 0.98), (0.5, 0.02)]
    nodes = [
        {"ref": ref, "name": f"Kelompok {ref[2:]}", "kind": "arisan", "size": 8, "x": x, "y": y}
        for ref, (x, y) in [*knot.items(), *zip(ISOLATES, corners, strict=True)]
    ]
    edges = [{"source": a, "target": b, "shared_members": 1, "exchanges": 0} for a, b, _ in EDGES]
    return SimpleNamespace(group_network={"nodes": nodes, "edges": edges, "edges_total": len(edges)})


def circles_and_labels(svg: str):
    root = ET.fromstring(svg)
    font = float(root.get("font-size"))
    circles = {}
    for group in root.iter(f"{SVG}g"):
        if "cm-node" in group.get("class", "").split():
            title = group.find(f"{SVG}title").text
            c = group.find(f"{SVG}circle")
            circles[title] = (float(c.get("cx")), float(c.get("cy")), float(c.get("r")))
    labels = []
    for text in root.iter(f"{SVG}text"):
        if "cm-label" not in text.get("class", "").split():
            continue
        width, x = 0.6 * font * len(text.text), float(text.get("x"))
        left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
        top = float(text.get("y")) - font * 0.8
        labels.append((text.text, (left, left + width, top, top + font * 1.05)))
    return root, font, circles, labels


def box_meets_circle(box, circle) -> bool:
    x0, x1, y0, y1 = box
    cx, cy, r = circle
    nearest = (min(max(cx, x0), x1), min(max(cy, y0), y1))
    return math.dist(nearest, (cx, cy)) < r


def test_dashboard_picture_with_isolates_has_no_overlap_and_reads_at_phone_width():
    shown = {n["ref"]: SimpleNamespace(url=None) for n in old_snapshot().group_network["nodes"]}
    svg, drawn = group_network_svg(old_snapshot(), shown)
    assert drawn == len(EDGES)
    root, font, circles, labels = circles_and_labels(svg)
    assert len(circles) == len(LINKED) + len(ISOLATES)
    for (a, ca), (b, cb) in itertools.combinations(circles.items(), 2):
        assert math.dist(ca[:2], cb[:2]) >= ca[2] + cb[2], (a, b)  # no circle over another
    for text, box in labels:
        for name, circle in circles.items():
            assert not box_meets_circle(box, circle), (text, name)  # no label over a circle
    for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
        overlap = box_a[0] < box_b[1] and box_b[0] < box_a[1] and box_a[2] < box_b[3] and box_b[2] < box_a[3]
        assert not overlap, (a, b)
    assert len(labels) >= len(circles) // 2  # most groups are named on the picture itself
    # groups without links sit apart: outside the cloud of the linked ones
    width = float(root.get("viewBox").split()[2])
    centre = (width / 2, float(root.get("viewBox").split()[3]) / 2)
    names = {f"Kelompok {ref[2:]}": ref for ref in LINKED + ISOLATES}
    reach = max(math.dist(c[:2], centre) for t, c in circles.items() if names[t] in LINKED)
    assert all(math.dist(c[:2], centre) > reach for t, c in circles.items() if names[t] in ISOLATES)
    # the linked groups are spread out, not in a knot
    linked = [c for t, c in circles.items() if names[t] in LINKED]
    assert max(c[0] for c in linked) - min(c[0] for c in linked) > width / 4
    # 360 px wide on a phone: text at least 12 px
    assert font * 360 / width >= 12
