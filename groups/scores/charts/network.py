"""The node-link picture: nodes at stored positions (or laid out by forces.force_layout),
isolates on rings around the linked ones, labels placed where they cover no circle and no
other label."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..forces import force_layout
from .svg import (
    _EDGE_STROKE,
    _GROUP_FILL,
    _LABEL_MAX_CHARS,
    _NODE_FILL,
    LABEL_MAX_NODES,
    ChartEdge,
    ChartNode,
    _check_size,
    _clamp,
    _classes,
    _clean,
    _esc,
    _finite,
    _n,
    _n2,
    _safe_href,
    _shorten,
    _svg,
    _text_width,
    _token,
)


def _robust_high(values: Sequence[float]) -> float:
    """The maximum, or the 98th percentile for 50 values or more."""
    ordered = sorted(values)
    return ordered[-1 - len(ordered) // 50]


def _fit(values: list[float], low: float, high: float) -> list[float]:
    """Map ``values`` linearly onto [low, high] (centre if all equal).

    With 50 values or more the lowest and highest 2 % are clamped to the ends,
    so a few stray nodes do not shrink everything else.
    """
    ordered = sorted(values)
    cut = len(ordered) // 50
    v_min = ordered[cut]
    v_max = ordered[-1 - cut]
    span = v_max - v_min
    if span < 1e-12:
        return [(low + high) / 2.0] * len(values)
    scale = (high - low) / span
    return [low + (_clamp(v, v_min, v_max) - v_min) * scale for v in values]


def _align(xs: list[float], ys: list[float], landscape: bool) -> tuple[list[float], list[float]]:
    """Rotate points about their mean so the main axis runs along the long side."""
    count = len(xs)
    mx = sum(xs) / count
    my = sum(ys) / count
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    angle = 0.5 * math.atan2(2.0 * sxy, sxx - syy)
    if not landscape:
        angle += math.pi / 2.0
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    rx = [(x - mx) * cos_a + (y - my) * sin_a for x, y in zip(xs, ys, strict=True)]
    ry = [-(x - mx) * sin_a + (y - my) * cos_a for x, y in zip(xs, ys, strict=True)]
    return rx, ry


def _place_labels(
    labels: Sequence[str],
    order: Sequence[int],
    px: Sequence[float],
    py: Sequence[float],
    radii: Sequence[float],
    *,
    font_size: float,
    width: float,
    height: float,
) -> dict[int, tuple[float, float, str, str]]:
    """Greedy label placement: below, above, right or left of each node.

    A label that would overlap an earlier label or any other node is left out
    (the node's tooltip still has it; ``order`` puts prominent nodes first).
    Returns node -> (x, y, text-anchor, text).
    """
    text_h = font_size * 1.05
    occupied: list[tuple[float, float, float, float]] = []
    circles = [
        (px[i] - radii[i], px[i] + radii[i], py[i] - radii[i], py[i] + radii[i]) for i in range(len(labels))
    ]
    spots: dict[int, tuple[float, float, str, str]] = {}

    def overlaps(box: tuple[float, float, float, float], own: int, with_circles: bool) -> bool:
        return any(box[0] < o[1] and o[0] < box[1] and box[2] < o[3] and o[2] < box[3] for o in occupied) or (
            with_circles
            and any(
                j != own and box[0] < c[1] and c[0] < box[1] and box[2] < c[3] and c[2] < box[3]
                for j, c in enumerate(circles)
            )
        )

    for i in order:
        if not labels[i]:
            continue
        text = _shorten(labels[i], _LABEL_MAX_CHARS)
        text_w = _text_width(text, font_size)
        x, y, r = px[i], py[i], radii[i]
        candidates = []
        for x0, y0, anchor in (
            (x - text_w / 2, y + r + 1.0, "middle"),
            (x - text_w / 2, y - r - 1.0 - text_h, "middle"),
            (x + r + 3.0, y - text_h / 2, "start"),
            (x - r - 3.0 - text_w, y - text_h / 2, "end"),
        ):
            if anchor == "middle":
                x0 = _clamp(x0, 1.0, max(1.0, width - 1.0 - text_w))
            if x0 < 0 or x0 + text_w > width or y0 < 0 or y0 + text_h > height:
                continue
            candidates.append((x0, y0, anchor))
        # Only a free spot: a label never covers a circle or another label (prominent nodes
        # are labelled first, so they get the free spots); the node's title still names it.
        chosen = next(
            (c for c in candidates if not overlaps((c[0], c[0] + text_w, c[1], c[1] + text_h), i, True)),
            None,
        )
        if chosen is not None:
            x0, y0, anchor = chosen
            occupied.append((x0, x0 + text_w, y0, y0 + text_h))
            tx = {"middle": x0 + text_w / 2, "start": x0, "end": x0 + text_w}[anchor]
            spots[i] = (tx, y0 + font_size * 0.8, anchor, text)
    return spots


def network_svg(
    nodes: Iterable[ChartNode],
    edges: Iterable[ChartEdge],
    *,
    seed: int = 0,
    width: float = 640,
    height: float = 480,
    title: str,
    description: str,
    chart_id: str | None = None,
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """Render a node-link picture of ``nodes`` and ``edges`` as inline SVG.

    Output is identical for the same nodes/edges in any order. Edges whose
    endpoints are unknown, and self-loops, are ignored. Duplicate node ids raise
    ``ValueError``. ``chart_id`` sets the id prefix of the ``<title>``/``<desc>``
    (default: derived from the content).

    ``positions`` (node id -> (x, y), any finite numbers, typically in [0, 1])
    skips the layout: large networks are laid out once, when their scores are
    computed, and every page view only scales the stored positions into the
    frame (y grows downwards). Nodes without a usable position go on the
    isolate rings.
    """
    _check_size(width, height)
    node_list = sorted(nodes, key=lambda node: node.id)
    ids, index, edge_list = _indexed(node_list, edges)
    count = len(node_list)
    merged, degree = _merge(edge_list, index, count)
    stored = _stored_positions(ids, positions) if positions is not None else {}
    # with positions, the nodes without one are the isolates; else those without an edge
    placed = (lambda i: i in stored) if positions is not None else (lambda i: bool(degree[i]))
    connected = [i for i in range(count) if placed(i)]
    isolates = [i for i in range(count) if not placed(i)]
    labels_visible = 0 < count <= LABEL_MAX_NODES
    # 640 x 480 -> 20 units, ~9-11 px on a 360 px phone.
    font_size = max(11.0, round(min(width, height) / 24.0))
    base = _clamp(math.sqrt(width * height / max(count, 1)) * 0.15, 2.5, 12.0)
    radii = _radii(node_list, base)
    frame = _Frame.of(width, height, margin=max(radii, default=base) + 3.0,
                      bottom_extra=font_size * 1.2 if labels_visible else 0.0)  # fmt: skip
    px, py = [0.0] * count, [0.0] * count
    ring_step = 2.0 * base + 4.0
    rings = _place_isolates(isolates, bool(connected), frame, ring_step, px, py)
    if connected:
        if positions is not None:
            lx, ly = [stored[i][0] for i in connected], [stored[i][1] for i in connected]
        else:
            lx, ly = _laid_out(connected, merged, seed=seed, width=width, height=height)
        inner = None
        if rings:
            # Round cloud inside the innermost ring; far outliers are pulled in.
            inner = rings[-1][0] - (ring_step + (font_size if labels_visible else 0.0)) / frame.min_radius
            inner = max(inner, 0.3)
        _place_connected(connected, lx, ly, frame, inner, px, py)
    hrefs = [_safe_href(node.href) for node in node_list]
    parts = [
        _edges_markup(edge_list, index, px, py, base),
        _nodes_markup(node_list, ids, radii, degree, hrefs, px, py),
    ]
    if labels_visible:
        parts.append(
            _labels(node_list, ids, radii, px, py, hrefs, font_size=font_size, width=width, height=height)
        )
    has_links = any(href is not None for href in hrefs)
    return _svg(
        css="cm-network",
        width=width,
        height=height,
        title=title,
        description=description,
        body="".join(parts),
        font_size=font_size,
        chart_id=chart_id,
        # role="img" would hide the links from assistive technology.
        role="group" if has_links else "img",
    )


def _indexed(node_list: list[ChartNode], edges: Iterable[ChartEdge]):
    """(ids, id -> index, the drawable edges sorted); duplicate ids raise ValueError."""
    ids = [node.id for node in node_list]
    index = {node_id: i for i, node_id in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError("duplicate node id")
    edge_list = sorted(
        (e for e in edges if e.source in index and e.target in index and e.source != e.target),
        key=lambda e: (e.source, e.target, e.kind, _finite(e.weight) or 0.0),
    )
    return ids, index, edge_list


@dataclass(frozen=True)
class _Frame:
    """The drawing area inside the margins: its edges, centre and half-axes."""

    left: float
    right: float
    top: float
    bottom: float

    @classmethod
    def of(cls, width: float, height: float, *, margin: float, bottom_extra: float) -> _Frame:
        left, right = margin, width - margin
        top, bottom = margin, height - margin - bottom_extra
        if right <= left:
            left = right = width / 2.0
        if bottom <= top:
            top = bottom = height / 2.0
        return cls(left, right, top, bottom)

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2.0

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2.0

    @property
    def rx(self) -> float:
        return (self.right - self.left) / 2.0

    @property
    def ry(self) -> float:
        return (self.bottom - self.top) / 2.0

    @property
    def min_radius(self) -> float:
        return max(min(self.rx, self.ry), 1.0)


def _merge(edge_list: list[ChartEdge], index: dict[str, int], count: int):
    """Undirected layout links (parallel edges merged; sorted, so sums are stable) and degrees."""
    merged: dict[tuple[int, int], float] = {}
    for edge in edge_list:
        a, b = index[edge.source], index[edge.target]
        key = (a, b) if a < b else (b, a)
        weight = _finite(edge.weight)
        merged[key] = merged.get(key, 0.0) + (weight if weight and weight > 0 else 0.0)
    degree = [0] * count
    for a, b in merged:
        degree[a] += 1
        degree[b] += 1
    return merged, degree


def _stored_positions(ids: list[str], positions: Mapping[str, tuple[float, float]]):
    stored: dict[int, tuple[float, float]] = {}
    for i, node_id in enumerate(ids):
        point = positions.get(node_id)
        if point is None or len(point) != 2:
            continue
        x, y = _finite(point[0]), _finite(point[1])
        if x is not None and y is not None:
            stored[i] = (x, y)
    return stored


def _radii(node_list: list[ChartNode], base: float) -> list[float]:
    """Radius by sqrt(size / median size), clamped."""
    sizes = [_finite(node.size) for node in node_list]
    positive_sizes = sorted(s for s in sizes if s is not None and s > 0)
    median_size = positive_sizes[len(positive_sizes) // 2] if positive_sizes else 1.0
    return [
        _clamp(
            base * math.sqrt((s if s is not None and s > 0 else 0.0) / median_size), base * 0.6, base * 2.2
        )
        for s in sizes
    ]


def _place_isolates(isolates: list[int], connected: bool, frame: _Frame, ring_step: float, px, py):
    """Isolates on concentric rings from the edge inwards, evenly spaced, in id order;
    returns the rings as (scale, nodes)."""
    rx, ry, min_radius = frame.rx, frame.ry, frame.min_radius
    rings: list[tuple[float, list[int]]] = []
    remaining = list(isolates)
    shrink = 1.0 if connected or len(isolates) > 12 else 0.6
    while remaining:
        a_rad, b_rad = rx * shrink, ry * shrink
        perimeter = math.pi * (3 * (a_rad + b_rad) - math.sqrt((3 * a_rad + b_rad) * (a_rad + 3 * b_rad)))
        last_ring = shrink - ring_step / min_radius < (0.45 if connected else 0.05)
        capacity = len(remaining) if last_ring else max(1, int(perimeter / ring_step))
        rings.append((shrink, remaining[:capacity]))
        remaining = remaining[capacity:]
        shrink -= ring_step / min_radius
    for ring, (factor, batch) in enumerate(rings):
        if len(batch) == 1 and not connected and len(isolates) == 1:
            px[batch[0]], py[batch[0]] = frame.cx, frame.cy
            continue
        for position, node_index in enumerate(batch):
            angle = -math.pi / 2 + 2 * math.pi * position / len(batch) + ring * 0.37
            px[node_index] = frame.cx + rx * factor * math.cos(angle)
            py[node_index] = frame.cy + ry * factor * math.sin(angle)
    return rings


def _laid_out(connected: list[int], merged: dict, *, seed: int, width: float, height: float):
    """The force layout of the connected nodes, turned so its long axis runs along the frame's."""
    positive = sorted(w for w in merged.values() if w > 0)
    reference = positive[len(positive) // 2] if positive else 1.0
    local = {node_index: i for i, node_index in enumerate(connected)}
    links = [
        (local[a], local[b], _clamp(math.sqrt(w / reference) if w > 0 else 0.5, 0.5, 2.0))
        for (a, b), w in sorted(merged.items())
        if a in local and b in local
    ]
    aspect = _clamp(width / height, 0.25, 4.0)
    lx, ly = force_layout(len(connected), links, seed=seed, aspect=aspect)
    return _align(lx, ly, landscape=width >= height)


def _place_connected(connected: list[int], lx, ly, frame: _Frame, inner: float | None, px, py) -> None:
    """Fit the connected nodes into the frame, or inside the innermost isolate ring."""
    if inner is not None:
        mx = sum(lx) / len(lx)
        my = sum(ly) / len(ly)
        dist = [math.hypot(x - mx, y - my) for x, y in zip(lx, ly, strict=True)]
        reach = _robust_high(dist) or 1.0
        for i, node_index in enumerate(connected):
            scale = inner / max(reach, dist[i])
            px[node_index] = frame.cx + (lx[i] - mx) * scale * frame.rx
            py[node_index] = frame.cy + (ly[i] - my) * scale * frame.ry
        return
    fx = _fit(lx, frame.left, frame.right)
    fy = _fit(ly, frame.top, frame.bottom)
    for i, node_index in enumerate(connected):
        px[node_index] = fx[i]
        py[node_index] = fy[i]


def _edges_markup(edge_list: list[ChartEdge], index: dict[str, int], px, py, base: float) -> str:
    if not edge_list:
        return ""
    # Many edges: fainter and (with small nodes) thinner, so structure shows.
    opacity = _clamp(400.0 / len(edge_list), 0.15, 0.8)
    thin = _clamp(base / 8.0, 0.35, 1.0)
    parts = [
        f'<g class="cm-edges" stroke="{_EDGE_STROKE}" stroke-opacity="{_n2(opacity)}" stroke-linecap="round">'
    ]
    for edge in edge_list:
        a, b = index[edge.source], index[edge.target]
        weight = _finite(edge.weight)
        stroke = thin * _clamp(2.0 * math.sqrt(weight) if weight and weight > 0 else 1.0, 1.0, 6.0)
        kind = _token(edge.kind, lower=True)
        parts.append(
            f'<line class="{_classes("cm-edge", "edge-" + kind if kind else "")}" '
            f'x1="{_n(px[a])}" y1="{_n(py[a])}" x2="{_n(px[b])}" y2="{_n(py[b])}" '
            f'stroke-width="{_n2(stroke)}"/>'
        )
    parts.append("</g>")
    return "".join(parts)


def _nodes_markup(node_list, ids, radii, degree, hrefs, px, py) -> str:
    """Nodes, big ones first so small ones stay visible on top."""
    parts = ['<g class="cm-nodes">']
    for i in sorted(range(len(node_list)), key=lambda n: (-radii[n], ids[n])):
        node = node_list[i]
        kind = _token(node.kind, lower=True)
        highlight = _token(node.highlight, lower=True) if node.highlight else ""
        classes = _classes(
            "cm-node",
            "kind-" + kind if kind else "",
            "hl-" + highlight if highlight else "",
            "cm-isolate" if not degree[i] else "",
        )
        r = radii[i]
        node_markup = (
            f'<g class="{classes}"><title>{_esc(node.label)}</title>'
            f'<circle class="cm-node-dot" cx="{_n(px[i])}" cy="{_n(py[i])}" r="{_n(r)}" '
            f'fill="{_NODE_FILL.get(kind, _GROUP_FILL)}" stroke="#fff" '
            f'stroke-width="{_n2(min(1.0, r * 0.25))}"/></g>'
        )
        if hrefs[i] is not None:
            href = html.escape(hrefs[i], quote=True)
            node_markup = f'<a class="cm-node-link" href="{href}">{node_markup}</a>'
        parts.append(node_markup)
    parts.append("</g>")
    return "".join(parts)


def _labels(node_list, ids, radii, px, py, hrefs, *, font_size: float, width: float, height: float) -> str:
    """Labels where they fit, highlighted and big nodes first."""
    spots = _place_labels(
        [_clean(node.label) for node in node_list],
        sorted(range(len(node_list)), key=lambda n: (not node_list[n].highlight, -radii[n], ids[n])),
        px,
        py,
        radii,
        font_size=font_size,
        width=width,
        height=height,
    )
    return _labels_markup(spots, hrefs)


def _labels_markup(spots: dict, hrefs: list) -> str:
    """Labels on a layer above all nodes, hidden from assistive technology (each node's
    <title> names it); linked labels enlarge the tap target."""
    if not spots:
        return ""
    parts = ['<g class="cm-labels" aria-hidden="true">']
    for i in sorted(spots):
        tx, ty, anchor, shown = spots[i]
        text = (
            f'<text class="cm-label" x="{_n(tx)}" y="{_n(ty)}" '
            f'text-anchor="{anchor}">{html.escape(shown, quote=True)}</text>'
        )
        if hrefs[i] is not None:
            href = html.escape(hrefs[i], quote=True)
            text = f'<a class="cm-label-link" href="{href}" tabindex="-1">{text}</a>'
        parts.append(text)
    parts.append("</g>")
    return "".join(parts)
