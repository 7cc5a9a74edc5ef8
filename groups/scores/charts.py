"""Server-rendered SVG charts: a network picture, line, bar and sparkline charts.

Every function returns a ``str`` of inline ``<svg>`` markup that a template marks
safe. This module never imports Django and has no third-party dependencies.

Security: every piece of caller text (titles, labels, series names, hrefs, CSS
class tokens) passes through :func:`html.escape` after characters that are not
allowed in XML are stripped, so hostile names come out as inert text. CSS class
tokens are additionally reduced to ``[A-Za-z0-9_-]`` and hrefs are limited to
relative URLs and the ``http``, ``https`` and ``mailto`` schemes (anything else,
e.g. ``javascript:``, is dropped and the node is rendered without a link).

Content-Security-Policy: no ``style=""`` attribute and no ``<style>`` element is
ever emitted; look comes from classes styled by ``static/css/charts.css``, with
presentation attributes (``fill``, ``stroke``, ``stroke-width``, ...) as fallback.

Text: the module contains no user-facing words; callers pass translated
``title``, ``description`` and ``empty_text``.

Layout of the network: networkx's ``spring_layout``/``kamada_kawai_layout`` need
numpy, which the project does not install, so the layout is a deterministic
pure-Python Fruchterman-Reingold:

* nodes and edges are sorted first, so input order never changes the output;
* up to ``_EXACT_MAX`` (150) connected nodes: exact all-pairs repulsion;
* above that: grid-accelerated repulsion (only neighbours within ``2k``, the
  grid variant of the original Fruchterman-Reingold paper) and fewer iterations,
  so 2,000 nodes lay out in about a second;
* isolates (nodes without a drawable edge) go on one or more rings at the edge.

Labels are drawn next to nodes only when there are at most ``LABEL_MAX_NODES``
(40) nodes; otherwise they are in each node's ``<title>`` tooltip only.
"""

from __future__ import annotations

import hashlib
import html
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "LABEL_MAX_NODES",
    "ChartEdge",
    "ChartNode",
    "Series",
    "bar_chart_svg",
    "line_chart_svg",
    "network_svg",
    "sparkline_svg",
]

#: Networks with more nodes than this get no visible labels (tooltips only).
LABEL_MAX_NODES = 40
#: Above this many connected nodes the layout switches to grid-accelerated repulsion.
_EXACT_MAX = 150
_GRAVITY = 1.0
#: Pair checks + link updates one large layout may spend (~1 s of pure Python);
#: typical 2,000-node graphs need ~5 million for their 20 iterations.
_LAYOUT_WORK_BUDGET = 8_000_000
#: Longest visible label (characters) before it is shortened with an ellipsis.
_LABEL_MAX_CHARS = 24
_ELLIPSIS = "\u2026"
_VALUE_LIMIT = 1e15

# Okabe-Ito derived palette: fallback colours (presentation attributes) for series
# cm-s0..cm-s7; charts.css repeats them as the --cm-series custom property.
_PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#6a3d9a",
    "#8c6d31",
)
_NODE_FILL = {"person": "#5b8fb9", "actor": "#c9822b"}
_GROUP_FILL = "#1f6f5c"
_EDGE_STROKE = "#8a969e"
_AXIS_STROKE = "#5b6770"
_GRID_STROKE = "#d6dde2"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class ChartNode:
    """One node of :func:`network_svg`.

    ``kind`` becomes the class ``kind-<kind>`` (e.g. ``kind-person``,
    ``kind-actor``, ``kind-arisan``); ``highlight`` becomes ``hl-<highlight>``
    (e.g. ``hl-broker``). ``size`` scales the radius by its square root;
    ``href`` wraps the node in a link.
    """

    id: str
    label: str
    kind: str
    size: float = 1.0
    href: str | None = None
    highlight: str | None = None


@dataclass(frozen=True, slots=True)
class ChartEdge:
    """One edge of :func:`network_svg`; ``kind`` becomes ``edge-<kind>``
    (``edge-bonding``, ``edge-bridging``, ``edge-linking``)."""

    source: str
    target: str
    weight: float = 1.0
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Series:
    """A named sequence of values (``None`` = no value) for line/bar charts.

    ``css_class`` is added to the series' elements and legend entry; setting
    ``--cm-series`` in that class recolours the series (see charts.css).
    """

    name: str
    values: Sequence[float | None]
    css_class: str = ""


# ------------------------------------------------------------------ text helpers

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CLASS_INVALID = re.compile(r"[^A-Za-z0-9_-]+")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_STRIP = re.compile("[\x00-\x20\x7f]")


def _clean(value: object) -> str:
    """Text with the characters XML 1.0 forbids removed (``None`` -> ``""``)."""
    if value is None:
        return ""
    return _XML_INVALID.sub("", str(value))


def _esc(value: object) -> str:
    """Escaped text, safe in element content and in quoted attributes."""
    return html.escape(_clean(value), quote=True)


def _token(value: object, *, lower: bool = False) -> str:
    """A single CSS class token made of ``[A-Za-z0-9_-]`` (may be empty)."""
    text = _CLASS_INVALID.sub("-", _clean(value)).strip("-")
    return text.lower() if lower else text


def _tokens(value: object) -> list[str]:
    """Each whitespace-separated class token of ``value``, sanitised."""
    return [t for t in (_token(part) for part in _clean(value).split()) if t]


def _classes(*parts: str) -> str:
    return html.escape(" ".join(p for p in parts if p), quote=True)


def _safe_href(href: str | None) -> str | None:
    """``href`` if it is relative or http(s)/mailto, else ``None``."""
    if href is None:
        return None
    text = _clean(href).strip()
    if not text:
        return None
    # Browsers ignore tabs/newlines/controls inside a scheme ("java\tscript:").
    probe = _URL_STRIP.sub("", text)
    match = re.match(r"([^/?#]*?):", probe)
    if match and match.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return text


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(1, limit - 1)].rstrip() + _ELLIPSIS


def _text_width(text: str, font_size: float) -> float:
    """Rough rendered width of ``text`` in a sans-serif font."""
    return 0.6 * font_size * len(text)


def _n(value: float) -> str:
    """A coordinate with at most one decimal (stable, compact)."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _n2(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _finite(value: object) -> float | None:
    """``float(value)`` (clamped to +-1e15) if it is a finite number, else ``None``."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    # Keeps every span and step finite; far beyond any count or index we chart.
    return _clamp(number, -_VALUE_LIMIT, _VALUE_LIMIT)


def _default_format(value: float) -> str:
    """Integers without decimals, otherwise at most two decimals."""
    if abs(value - round(value)) < 1e-9:
        return str(int(round(value)))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


# ------------------------------------------------------------------ svg wrapper


def _svg(
    *,
    css: str,
    width: float,
    height: float,
    title: str,
    description: str,
    body: str,
    font_size: float,
    chart_id: str | None,
    role: str = "img",
    fixed_size: bool = False,
) -> str:
    title_text = _clean(title)
    desc_text = _clean(description)
    cid = _token(chart_id) if chart_id else ""
    if not cid:
        digest = hashlib.sha256("\x00".join((css, title_text, desc_text, body)).encode("utf-8")).hexdigest()
        cid = "cm-" + digest[:12]
    size = f'width="{_n(width)}" height="{_n(height)}"' if fixed_size else 'width="100%"'
    labelled = f'aria-labelledby="{cid}-t"'
    if desc_text:
        labelled += f' aria-describedby="{cid}-d"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{_classes("cm-chart", css)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" {size} '
        f'preserveAspectRatio="xMidYMid meet" role="{role}" {labelled} '
        f'font-size="{_n(font_size)}" font-family="sans-serif">',
        f'<title id="{cid}-t">{html.escape(title_text, quote=True)}</title>',
    ]
    if desc_text:
        parts.append(f'<desc id="{cid}-d">{html.escape(desc_text, quote=True)}</desc>')
    parts.append(body)
    parts.append("</svg>")
    return "".join(parts)


def _check_size(width: float, height: float) -> None:
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")


# ======================================================================= network


def _fr_layout(
    count: int,
    links: Sequence[tuple[int, int, float]],
    *,
    seed: int,
    aspect: float,
) -> tuple[list[float], list[float]]:
    """Fruchterman-Reingold in the frame [0, aspect] x [0, 1]; deterministic.

    ``links`` are (i, j, strength) with i < j, already sorted.
    """
    rng = random.Random(seed)
    xs = [rng.random() * aspect for _ in range(count)]
    ys = [rng.random() for _ in range(count)]
    if count == 1:
        return [aspect / 2], [0.5]
    k = math.sqrt(aspect / count)
    k2 = k * k
    exact = count <= _EXACT_MAX
    if count <= 50:
        iterations = 200
    elif exact:
        iterations = 100
    elif count <= 500:
        iterations = 50
    else:
        iterations = max(20, int(50 * 500 / count))
    temperature = 0.1 * max(aspect, 1.0)
    cooling = temperature / (iterations + 1)
    cutoff2 = 4.0 * k2  # grid variant: repel only within 2k
    cell = 2.0 * k
    gravity = _GRAVITY
    centre_x = aspect / 2.0
    work = 0
    for _ in range(iterations):
        if work > _LAYOUT_WORK_BUDGET:
            # Dense graphs crowd the grid cells; stop after a fixed amount of
            # pair work (counted, not timed, so the result stays deterministic).
            break
        work += len(links)
        dx = [0.0] * count
        dy = [0.0] * count
        if exact:
            for i in range(count):
                xi = xs[i]
                yi = ys[i]
                fx = 0.0
                fy = 0.0
                for j in range(i + 1, count):
                    ddx = xi - xs[j]
                    ddy = yi - ys[j]
                    d2 = ddx * ddx + ddy * ddy
                    if d2 < 1e-12:
                        ddx, ddy, d2 = 1e-6, 0.0, 1e-12
                    force = k2 / d2
                    fx += ddx * force
                    fy += ddy * force
                    dx[j] -= ddx * force
                    dy[j] -= ddy * force
                dx[i] += fx
                dy[i] += fy
        else:
            grid: dict[tuple[int, int], list[int]] = {}
            for i in range(count):
                grid.setdefault((int(xs[i] / cell), int(ys[i] / cell)), []).append(i)
            for (cx, cy), members in grid.items():
                size = len(members)
                work += size * (size - 1) // 2 + size * sum(
                    len(grid.get(key, ()))
                    for key in ((cx + 1, cy), (cx - 1, cy + 1), (cx, cy + 1), (cx + 1, cy + 1))
                )
                # Same cell, then four "forward" neighbours: each cell pair once.
                for a_index, i in enumerate(members):
                    xi = xs[i]
                    yi = ys[i]
                    for j in members[a_index + 1 :]:
                        ddx = xi - xs[j]
                        ddy = yi - ys[j]
                        d2 = ddx * ddx + ddy * ddy
                        if d2 >= cutoff2:
                            continue
                        if d2 < 1e-12:
                            ddx, ddy, d2 = 1e-6, 0.0, 1e-12
                        force = k2 / d2
                        dx[i] += ddx * force
                        dy[i] += ddy * force
                        dx[j] -= ddx * force
                        dy[j] -= ddy * force
                for key in ((cx + 1, cy), (cx - 1, cy + 1), (cx, cy + 1), (cx + 1, cy + 1)):
                    others = grid.get(key)
                    if not others:
                        continue
                    for i in members:
                        xi = xs[i]
                        yi = ys[i]
                        for j in others:
                            ddx = xi - xs[j]
                            ddy = yi - ys[j]
                            d2 = ddx * ddx + ddy * ddy
                            if d2 >= cutoff2:
                                continue
                            if d2 < 1e-12:
                                ddx, ddy, d2 = 1e-6, 0.0, 1e-12
                            force = k2 / d2
                            dx[i] += ddx * force
                            dy[i] += ddy * force
                            dx[j] -= ddx * force
                            dy[j] -= ddy * force
        for i, j, strength in links:
            ddx = xs[i] - xs[j]
            ddy = ys[i] - ys[j]
            dist = math.sqrt(ddx * ddx + ddy * ddy)
            force = dist * strength / k
            dx[i] -= ddx * force
            dy[i] -= ddy * force
            dx[j] += ddx * force
            dy[j] += ddy * force
        if exact:
            # Gentle pull to the centre keeps separate components together
            # (instead of clipping them against the frame).
            for i in range(count):
                dx[i] -= gravity * (xs[i] - centre_x)
                dy[i] -= gravity * (ys[i] - 0.5)
            for i in range(count):
                length = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
                if length > 0.0:
                    step = min(length, temperature) / length
                    xs[i] += dx[i] * step
                    ys[i] += dy[i] * step
        else:
            for i in range(count):
                length = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
                if length > 0.0:
                    step = min(length, temperature) / length
                    xs[i] = _clamp(xs[i] + dx[i] * step, 0.0, aspect)
                    ys[i] = _clamp(ys[i] + dy[i] * step, 0.0, 1.0)
        temperature -= cooling
    return xs, ys


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
    prominent: set[int],
    font_size: float,
    width: float,
    height: float,
) -> dict[int, tuple[float, float, str, str]]:
    """Greedy label placement: below, above, right or left of each node.

    A label that would overlap an earlier label, or a node unless its own node
    is in ``prominent``, is left out (the node's tooltip still has it).
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
        # Strictly free spots first; prominent nodes may then cover other nodes
        # (labels sit on a layer above the nodes, with a halo from charts.css).
        for with_circles in (True, False) if i in prominent else (True,):
            chosen = next(
                (
                    c
                    for c in candidates
                    if not overlaps((c[0], c[0] + text_w, c[1], c[1] + text_h), i, with_circles)
                ),
                None,
            )
            if chosen is not None:
                x0, y0, anchor = chosen
                occupied.append((x0, x0 + text_w, y0, y0 + text_h))
                tx = {"middle": x0 + text_w / 2, "start": x0, "end": x0 + text_w}[anchor]
                spots[i] = (tx, y0 + font_size * 0.8, anchor, text)
                break
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
    ids = [node.id for node in node_list]
    index = {node_id: i for i, node_id in enumerate(ids)}
    if len(index) != len(ids):
        raise ValueError("duplicate node id")
    count = len(node_list)

    edge_list = sorted(
        (e for e in edges if e.source in index and e.target in index and e.source != e.target),
        key=lambda e: (e.source, e.target, e.kind, _finite(e.weight) or 0.0),
    )

    # Undirected layout links; parallel edges are merged (sorted, so sums are stable).
    merged: dict[tuple[int, int], float] = {}
    for edge in edge_list:
        a, b = index[edge.source], index[edge.target]
        key = (a, b) if a < b else (b, a)
        weight = _finite(edge.weight)
        merged[key] = merged.get(key, 0.0) + (weight if weight and weight > 0 else 0.0)
    positive = sorted(w for w in merged.values() if w > 0)
    reference = positive[len(positive) // 2] if positive else 1.0
    degree = [0] * count
    for a, b in merged:
        degree[a] += 1
        degree[b] += 1
    stored: dict[int, tuple[float, float]] = {}
    if positions is not None:
        for i, node_id in enumerate(ids):
            point = positions.get(node_id)
            if point is None or len(point) != 2:
                continue
            x, y = _finite(point[0]), _finite(point[1])
            if x is not None and y is not None:
                stored[i] = (x, y)
        connected = sorted(stored)
        isolates = [i for i in range(count) if i not in stored]
    else:
        connected = [i for i in range(count) if degree[i]]
        isolates = [i for i in range(count) if not degree[i]]
    local = {node_index: i for i, node_index in enumerate(connected)}
    links = [
        (local[a], local[b], _clamp(math.sqrt(w / reference) if w > 0 else 0.5, 0.5, 2.0))
        for (a, b), w in sorted(merged.items())
        if a in local and b in local
    ]

    # Sizes: radius by sqrt(size / median size), clamped.
    labels_visible = 0 < count <= LABEL_MAX_NODES
    # 640 x 480 -> 20 units, ~9-11 px on a 360 px phone.
    font_size = max(11.0, round(min(width, height) / 24.0))
    spacing = math.sqrt(width * height / max(count, 1))
    base = _clamp(spacing * 0.15, 2.5, 12.0)
    sizes = [_finite(node.size) for node in node_list]
    positive_sizes = sorted(s for s in sizes if s is not None and s > 0)
    median_size = positive_sizes[len(positive_sizes) // 2] if positive_sizes else 1.0
    radii = [
        _clamp(
            base * math.sqrt((s if s is not None and s > 0 else 0.0) / median_size), base * 0.6, base * 2.2
        )
        for s in sizes
    ]
    r_max = max(radii, default=base)

    margin = r_max + 3.0
    bottom_extra = font_size * 1.2 if labels_visible else 0.0
    left, right = margin, width - margin
    top, bottom = margin, height - margin - bottom_extra
    if right <= left:
        left = right = width / 2.0
    if bottom <= top:
        top = bottom = height / 2.0
    cx, cy = (left + right) / 2.0, (top + bottom) / 2.0
    rx, ry = (right - left) / 2.0, (bottom - top) / 2.0

    px = [0.0] * count
    py = [0.0] * count
    min_radius = max(min(rx, ry), 1.0)
    ring_step = 2.0 * base + 4.0
    # Isolates: concentric rings from the edge inwards, evenly spaced, in id order.
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
            px[batch[0]], py[batch[0]] = cx, cy
            continue
        for position, node_index in enumerate(batch):
            angle = -math.pi / 2 + 2 * math.pi * position / len(batch) + ring * 0.37
            px[node_index] = cx + rx * factor * math.cos(angle)
            py[node_index] = cy + ry * factor * math.sin(angle)
    if connected:
        if positions is not None:
            lx = [stored[i][0] for i in connected]
            ly = [stored[i][1] for i in connected]
        else:
            aspect = _clamp(width / height, 0.25, 4.0)
            lx, ly = _fr_layout(len(connected), links, seed=seed, aspect=aspect)
            lx, ly = _align(lx, ly, landscape=width >= height)
        if rings:
            # Round cloud inside the innermost ring; far outliers are pulled in.
            inner = rings[-1][0] - (ring_step + (font_size if labels_visible else 0.0)) / min_radius
            inner = max(inner, 0.3)
            mx = sum(lx) / len(lx)
            my = sum(ly) / len(ly)
            dist = [math.hypot(x - mx, y - my) for x, y in zip(lx, ly, strict=True)]
            reach = _robust_high(dist) or 1.0
            for i, node_index in enumerate(connected):
                scale = inner / max(reach, dist[i])
                px[node_index] = cx + (lx[i] - mx) * scale * rx
                py[node_index] = cy + (ly[i] - my) * scale * ry
        else:
            fx = _fit(lx, left, right)
            fy = _fit(ly, top, bottom)
            for i, node_index in enumerate(connected):
                px[node_index] = fx[i]
                py[node_index] = fy[i]

    # ---- edges
    parts: list[str] = []
    if edge_list:
        # Many edges: fainter and (with small nodes) thinner, so structure shows.
        opacity = _clamp(400.0 / len(edge_list), 0.15, 0.8)
        thin = _clamp(base / 8.0, 0.35, 1.0)
        parts.append(
            f'<g class="cm-edges" stroke="{_EDGE_STROKE}" stroke-opacity="{_n2(opacity)}" '
            'stroke-linecap="round">'
        )
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

    # ---- nodes: big ones first so small ones stay visible on top.
    hrefs = [_safe_href(node.href) for node in node_list]
    has_links = any(href is not None for href in hrefs)
    parts.append('<g class="cm-nodes">')
    for i in sorted(range(count), key=lambda n: (-radii[n], ids[n])):
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
            node_markup = (
                f'<a class="cm-node-link" href="{html.escape(hrefs[i], quote=True)}">{node_markup}</a>'
            )
        parts.append(node_markup)
    parts.append("</g>")

    # ---- labels: a layer above all nodes, hidden from assistive technology
    # (each node's <title> names it); linked labels enlarge the tap target.
    if labels_visible:
        spots = _place_labels(
            [_clean(node.label) for node in node_list],
            sorted(range(count), key=lambda n: (not node_list[n].highlight, -radii[n], ids[n])),
            px,
            py,
            radii,
            prominent={i for i in range(count) if node_list[i].highlight or radii[i] > base},
            font_size=font_size,
            width=width,
            height=height,
        )
        if spots:
            parts.append('<g class="cm-labels" aria-hidden="true">')
            for i in sorted(spots):
                tx, ty, anchor, shown = spots[i]
                text = (
                    f'<text class="cm-label" x="{_n(tx)}" y="{_n(ty)}" '
                    f'text-anchor="{anchor}">{html.escape(shown, quote=True)}</text>'
                )
                if hrefs[i] is not None:
                    text = (
                        f'<a class="cm-label-link" href="{html.escape(hrefs[i], quote=True)}" '
                        f'tabindex="-1">{text}</a>'
                    )
                parts.append(text)
            parts.append("</g>")

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


# ================================================================ shared charting


def _nice_step(raw: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if multiple * magnitude >= raw - 1e-12:
            return multiple * magnitude
    return 10.0 * magnitude  # pragma: no cover


def _scale(
    low: float, high: float, *, fixed_low: bool, fixed_high: bool, target: int
) -> tuple[float, float, list[float]]:
    """Domain and tick values for [low, high]; unfixed ends are rounded out."""
    if high <= low:
        if fixed_high and not fixed_low:
            low = high - max(1.0, abs(high) * 0.1)
        else:
            high = low + max(1.0, abs(low) * 0.1)
    step = _nice_step((high - low) / max(1, target - 1))
    if not fixed_low:
        low = math.floor(low / step + 1e-9) * step
    if not fixed_high:
        high = math.ceil(high / step - 1e-9) * step
    first = math.ceil(low / step - 1e-9)
    ticks = []
    value_index = first
    while value_index * step <= high + step * 1e-9:
        ticks.append(float(f"{value_index * step:.10g}"))
        value_index += 1
    return low, high, ticks


# On a 360 px phone a chart is drawn about 300 px wide (the page and card padding take
# the rest), so a viewBox 480 units wide is scaled by ~0.62: text must be at least
# 12 / 0.62 = 19.4 units to be read at 12 CSS px. Value labels are 0.9 of the font.
PHONE_CHART_PX = 300.0
MIN_TEXT_PX = 12.0
SMALL_TEXT = 0.9


def _font(width: float) -> float:
    """Font size in viewBox units whose smallest use (value labels) renders at 12 px or more
    when the chart is drawn PHONE_CHART_PX wide: 22 units at the default width 480."""
    return max(10.0, math.ceil(MIN_TEXT_PX / SMALL_TEXT * width / PHONE_CHART_PX))


def _wrap2(text: str, limit: int) -> list[str]:
    """``text`` on at most two lines of at most ``limit`` characters, broken at a space;
    what does not fit is cut with an ellipsis (the full text goes in a <title>)."""
    if len(text) <= limit:
        return [text]
    cut = text.rfind(" ", 0, limit + 1)
    if cut <= 0:
        return [_shorten(text, limit)]
    return [text[:cut], _shorten(text[cut + 1 :].lstrip(), limit)]


def _legend(
    items: Sequence[tuple[str, int, str]], *, x0: float, y0: float, avail: float, font_size: float
) -> tuple[str, float]:
    """Legend rows (wrapping) starting at (x0, y0); returns markup and height."""
    if not items:
        return "", 0.0
    swatch = font_size * 0.8
    row_h = font_size * 1.4
    parts = ['<g class="cm-legend">']
    x, row = x0, 0
    for name, position, css in items:
        shown = _shorten(name, 40)
        item_w = swatch + font_size * 0.4 + _text_width(shown, font_size) + font_size
        if x > x0 and x + item_w - font_size > x0 + avail:
            x, row = x0, row + 1
        y = y0 + row * row_h
        colour = _PALETTE[position % len(_PALETTE)]
        parts.append(
            f'<g class="{_classes("cm-legend-item", f"cm-s{position % len(_PALETTE)}", *css)}">'
            f'<rect class="cm-swatch" x="{_n(x)}" y="{_n(y + (row_h - swatch) / 2)}" '
            f'width="{_n(swatch)}" height="{_n(swatch)}" fill="{colour}"/>'
            f'<text class="cm-legend-text" x="{_n(x + swatch + font_size * 0.4)}" '
            f'y="{_n(y + row_h / 2 + font_size * 0.35)}">{html.escape(shown, quote=True)}</text>'
            "</g>"
        )
        x += item_w
    parts.append("</g>")
    return "".join(parts), (row + 1) * row_h


def _empty(
    css: str,
    width: float,
    height: float,
    title: str,
    description: str,
    empty_text: str,
    chart_id: str | None,
) -> str:
    font_size = _font(width)
    body = (
        f'<g class="cm-empty"><rect class="cm-frame" x="0.5" y="0.5" width="{_n(width - 1)}" '
        f'height="{_n(height - 1)}" fill="none" stroke="{_GRID_STROKE}"/>'
        f'<text class="cm-empty-text" x="{_n(width / 2)}" y="{_n(height / 2)}" '
        f'text-anchor="middle">{_esc(empty_text)}</text></g>'
    )
    return _svg(
        css=css + " cm-is-empty",
        width=width,
        height=height,
        title=title,
        description=description,
        body=body,
        font_size=font_size,
        chart_id=chart_id,
    )


def _band_labels(
    labels: Sequence[str],
    centres: Sequence[float],
    *,
    band: float,
    y: float,
    font_size: float,
    width: float,
) -> str:
    """Category/x labels under the plot, thinned so they do not overlap.

    The last label is always kept (the latest period matters most).
    """
    if not labels:
        return ""
    shown = [_shorten(label, 16) for label in labels]
    widest = max((_text_width(s, font_size) for s in shown), default=0.0)
    every = max(1, math.ceil((widest + font_size * 0.6) / max(band, 1e-9)))
    last = len(labels) - 1
    parts = ['<g class="cm-xlabels" text-anchor="middle">']
    for i, (label, text, centre) in enumerate(zip(labels, shown, centres, strict=True)):
        if (last - i) % every or not text:
            continue
        half = _text_width(text, font_size) / 2.0
        x = _clamp(centre, half + 1.0, width - half - 1.0)
        title = f"<title>{html.escape(label, quote=True)}</title>" if text != label else ""
        parts.append(
            f'<text class="cm-xlabel" x="{_n(x)}" y="{_n(y)}">{title}{html.escape(text, quote=True)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _value_axis_vertical(
    ticks: Sequence[float],
    to_y: Callable[[float], float],
    *,
    left: float,
    right: float,
    font_size: float,
    fmt: Callable[[float], str],
) -> str:
    parts = ['<g class="cm-grid-lines">']
    for tick in ticks:
        y = to_y(tick)
        css = "cm-grid cm-zero" if tick == 0 else "cm-grid"
        parts.append(
            f'<line class="{css}" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" '
            f'stroke="{_GRID_STROKE}"/>'
        )
    parts.append("</g>")
    parts.append('<g class="cm-ticks" text-anchor="end">')
    for tick in ticks:
        parts.append(
            f'<text class="cm-tick" x="{_n(left - font_size * 0.4)}" '
            f'y="{_n(to_y(tick) + font_size * 0.35)}">{_esc(fmt(tick))}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _prepare(series: Iterable[Series], count: int) -> tuple[list[Series], list[list[float | None]]]:
    """Series list and their values padded/truncated to ``count`` (non-finite -> None)."""
    series_list = list(series)
    rows = []
    for s in series_list:
        values = [_finite(v) for v in list(s.values)[:count]]
        values += [None] * (count - len(values))
        rows.append(values)
    return series_list, rows


# ==================================================================== line chart


def line_chart_svg(
    series: Iterable[Series],
    *,
    x_labels: Sequence[str],
    title: str,
    description: str,
    y_max: float | None = None,
    y_min: float | None = None,
    y_format: Callable[[float], str] = _default_format,
    empty_text: str = "",
    width: float = 480,
    height: float = 300,
    chart_id: str | None = None,
) -> str:
    """Trend lines over periods (e.g. quarters ``"2025 Q3"``).

    Each series has one value per x label (extra values are dropped, missing
    ones count as ``None``); ``None``/NaN breaks the line, and a value without
    neighbours is shown as a dot. If ``x_labels`` is empty the longest series
    sets the number of points. The value axis starts at ``min(0, data)``
    unless ``y_min`` is given and ends at a rounded maximum unless ``y_max`` is
    given; values outside the domain are clamped to its edge. With no finite
    value at all, the chart shows ``empty_text``.
    """
    _check_size(width, height)
    labels = [_clean(label) for label in x_labels]
    series_list = list(series)
    count = len(labels) or max((len(s.values) for s in series_list), default=0)
    labels += [""] * (count - len(labels))
    series_list, rows = _prepare(series_list, count)
    finite = [v for row in rows for v in row if v is not None]
    if not finite:
        return _empty("cm-line-chart", width, height, title, description, empty_text, chart_id)

    font_size = _font(width)
    pad = font_size * 0.5
    y_max_f = _finite(y_max)
    y_min_f = _finite(y_min)
    low = y_min_f if y_min_f is not None else min(0.0, min(finite))
    high = y_max_f if y_max_f is not None else max(0.0, max(finite))
    legend_items = [(_clean(s.name), i, _tokens(s.css_class)) for i, s in enumerate(series_list)]

    legend, legend_h = _legend(legend_items, x0=pad, y0=pad, avail=width - 2 * pad, font_size=font_size)
    top = pad + legend_h + font_size * 0.8
    bottom = height - pad - font_size * 1.3
    plot_h = max(bottom - top, font_size)
    bottom = top + plot_h
    low, high, ticks = _scale(
        low,
        high,
        fixed_low=y_min_f is not None,
        fixed_high=y_max_f is not None,
        target=max(2, min(6, int(plot_h / (font_size * 2.2)) + 1)),
    )
    tick_w = max((_text_width(_clean(y_format(t)), font_size) for t in ticks), default=0.0)
    left = pad + tick_w + font_size * 0.5
    right = width - pad
    plot_w = max(right - left, 1.0)
    band = plot_w / count
    centres = [left + band * (i + 0.5) for i in range(count)]

    def to_y(value: float) -> float:
        return bottom - (_clamp(value, low, high) - low) / (high - low) * plot_h

    parts = [legend]
    parts.append(_value_axis_vertical(ticks, to_y, left=left, right=right, font_size=font_size, fmt=y_format))
    parts.append(
        f'<line class="cm-axis" x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" '
        f'y2="{_n(bottom)}" stroke="{_AXIS_STROKE}"/>'
        f'<line class="cm-axis" x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" '
        f'y2="{_n(bottom)}" stroke="{_AXIS_STROKE}"/>'
    )
    point_r = _clamp(band * 0.18, 2.0, font_size * 0.3)
    for position, (s, row) in enumerate(zip(series_list, rows, strict=True)):
        colour = _PALETTE[position % len(_PALETTE)]
        css = _classes("cm-series", f"cm-s{position % len(_PALETTE)}", *_tokens(s.css_class))
        name = _clean(s.name)
        parts.append(f'<g class="{css}">')
        run: list[str] = []
        for i in range(count + 1):
            value = row[i] if i < count else None
            if value is not None:
                run.append(f"{_n(centres[i])},{_n(to_y(value))}")
                continue
            if len(run) >= 2:
                parts.append(
                    f'<polyline class="cm-line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
                    'stroke-linecap="round"/>'
                )
            run = []
        for i, value in enumerate(row):
            if value is None:
                continue
            tip = f"{name} \u00b7 {labels[i]}: {_clean(y_format(value))}"
            parts.append(
                f'<circle class="cm-point" cx="{_n(centres[i])}" cy="{_n(to_y(value))}" '
                f'r="{_n(point_r)}" fill="{colour}"><title>{html.escape(tip, quote=True)}'
                "</title></circle>"
            )
        parts.append("</g>")
    parts.append(
        _band_labels(
            labels,
            centres,
            band=band,
            y=bottom + font_size * 1.25,
            font_size=font_size,
            width=width,
        )
    )
    return _svg(
        css="cm-line-chart",
        width=width,
        height=height,
        title=title,
        description=description,
        body="".join(parts),
        font_size=font_size,
        chart_id=chart_id,
    )


# ===================================================================== bar chart


def bar_chart_svg(
    categories: Sequence[str],
    series: Iterable[Series],
    *,
    title: str,
    description: str,
    stacked: bool = False,
    horizontal: bool = False,
    empty_text: str = "",
    value_format: Callable[[float], str] = _default_format,
    value_labels: bool = False,
    width: float = 480,
    height: float | None = None,
    chart_id: str | None = None,
) -> str:
    """Grouped or stacked bars, one group/stack per category.

    ``series[i].values[c]`` is the value of series *i* in category *c* (missing
    or ``None`` -> no bar). ``stacked`` stacks positive values up and negative
    values down. ``horizontal`` puts categories in rows (long labels on the left;
    good for "given vs received by resource type"); ``height=None`` then grows
    with the number of rows (vertical default: 300). ``value_labels`` writes the
    value next to each bar (stack totals when stacked).
    """
    labels = [_clean(c) for c in categories]
    count = len(labels)
    series_list, rows = _prepare(series, count)
    n_series = len(series_list)
    finite = [v for row in rows for v in row if v is not None]
    font_size = _font(width)
    fit_chars = max(4, int(width * 0.45 / _text_width("x", font_size)))
    shown = [_wrap2(label, min(28, fit_chars)) for label in labels]  # horizontal: row labels
    line_count = max((len(lines) for lines in shown), default=1) if horizontal else 1
    bars_per_band = 1 if stacked else max(n_series, 1)
    band_target = max(
        font_size * (0.6 + 1.2 * line_count), bars_per_band * font_size * 1.1 + font_size * 0.9
    )
    legend_probe_h = font_size * 1.4 * (1 + (n_series > 3))
    if height is None:
        if horizontal and count:
            height = font_size * 3.5 + legend_probe_h + count * band_target
        else:
            height = 300
    _check_size(width, height)
    if not finite or n_series == 0:
        return _empty("cm-bar-chart", width, height, title, description, empty_text, chart_id)

    pad = font_size * 0.5
    legend_items = [(_clean(s.name), i, _tokens(s.css_class)) for i, s in enumerate(series_list)]
    legend, legend_h = _legend(legend_items, x0=pad, y0=pad, avail=width - 2 * pad, font_size=font_size)

    # Segments in value space: (category, series, start, end).
    segments: list[tuple[int, int, float, float]] = []
    totals: list[float | None] = [None] * count
    for c in range(count):
        up = down = 0.0
        for position in range(n_series):
            value = rows[position][c]
            if value is None:
                continue
            if stacked:
                if value >= 0:
                    segments.append((c, position, up, up + value))
                    up += value
                else:
                    segments.append((c, position, down, down + value))
                    down += value
                totals[c] = (totals[c] or 0.0) + value
            else:
                segments.append((c, position, 0.0, value))
    ends = [0.0] + [s[2] for s in segments] + [s[3] for s in segments]
    value_texts = {}
    if value_labels:
        if stacked:
            value_texts = {(c, 0): _clean(value_format(t)) for c, t in enumerate(totals) if t is not None}
        else:
            value_texts = {(c, p): _clean(value_format(v1)) for c, p, _, v1 in segments}
    value_w = max((_text_width(t, font_size * SMALL_TEXT) for t in value_texts.values()), default=0.0)

    parts = [legend]
    top = pad + legend_h + font_size * 0.8
    if horizontal:
        bottom = height - pad - font_size * 1.4
        label_w = max((_text_width(line, font_size) for lines in shown for line in lines), default=0.0)
        left = pad + label_w + font_size * 0.5
        right = width - pad - (value_w + font_size * 0.8 if value_labels else 0.0)
        span = max(right - left, 1.0)
        right = left + span
        target = max(2, min(6, int(span / (font_size * 4)) + 1))
    else:
        bottom = height - pad - font_size * 1.3
        top += font_size * 1.0 if value_labels else 0.0
        span = max(bottom - top, font_size)
        bottom = top + span
        target = max(2, min(6, int(span / (font_size * 2.2)) + 1))
    low, high, ticks = _scale(min(ends), max(ends), fixed_low=False, fixed_high=False, target=target)

    def to_v(value: float) -> float:
        fraction = (value - low) / (high - low)
        return left + fraction * span if horizontal else bottom - fraction * span

    if horizontal:
        plot_len = bottom - top
        band = plot_len / count
        grid = ['<g class="cm-grid-lines">']
        tick_text = ['<g class="cm-ticks" text-anchor="middle">']
        for tick in ticks:
            x = to_v(tick)
            css = "cm-grid cm-zero" if tick == 0 else "cm-grid"
            grid.append(
                f'<line class="{css}" x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" '
                f'y2="{_n(bottom)}" stroke="{_GRID_STROKE}"/>'
            )
            text = _clean(value_format(tick))
            half = _text_width(text, font_size) / 2.0
            tick_text.append(
                f'<text class="cm-tick" x="{_n(_clamp(x, half, width - half))}" '
                f'y="{_n(bottom + font_size * 1.25)}">{html.escape(text, quote=True)}</text>'
            )
        parts.extend(grid + ["</g>"] + tick_text + ["</g>"])
        parts.append('<g class="cm-ylabels" text-anchor="end">')
        for c, (label, lines) in enumerate(zip(labels, shown, strict=True)):
            tip = f"<title>{html.escape(label, quote=True)}</title>" if " ".join(lines) != label else ""
            x = _n(left - font_size * 0.4)
            y = top + band * (c + 0.5) + font_size * 0.35 - font_size * 0.6 * (len(lines) - 1)
            text = html.escape(lines[0], quote=True)
            if len(lines) > 1:
                step = _n(font_size * 1.2)
                text = "".join(
                    f'<tspan x="{x}" dy="{step if i else 0}">{html.escape(line, quote=True)}</tspan>'
                    for i, line in enumerate(lines)
                )
            parts.append(f'<text class="cm-ylabel" x="{x}" y="{_n(y)}">{tip}{text}</text>')
        parts.append("</g>")
    else:
        plot_len = (
            width
            - pad
            - (
                pad
                + max((_text_width(_clean(value_format(t)), font_size) for t in ticks), default=0.0)
                + font_size * 0.5
            )
        )
        left = width - pad - plot_len
        right = width - pad
        band = plot_len / count
        parts.append(
            _value_axis_vertical(ticks, to_v, left=left, right=right, font_size=font_size, fmt=value_format)
        )
    zero = to_v(_clamp(0.0, low, high))
    if horizontal:
        parts.append(
            f'<line class="cm-axis" x1="{_n(zero)}" y1="{_n(top)}" x2="{_n(zero)}" '
            f'y2="{_n(bottom)}" stroke="{_AXIS_STROKE}"/>'
        )
    else:
        parts.append(
            f'<line class="cm-axis" x1="{_n(left)}" y1="{_n(zero)}" x2="{_n(right)}" '
            f'y2="{_n(zero)}" stroke="{_AXIS_STROKE}"/>'
        )

    inner = band * 0.8
    thickness = inner if stacked else inner / max(n_series, 1)
    by_series: dict[int, list[str]] = {p: [] for p in range(n_series)}
    value_marks: list[str] = []
    for c, position, v0, v1 in segments:
        offset = band * c + band * 0.1 + (0.0 if stacked else thickness * position)
        a, b = to_v(v0), to_v(v1)
        lo_p, hi_p = min(a, b), max(a, b)
        s = series_list[position]
        tip = f"{_clean(s.name)} \u00b7 {labels[c]}: {_clean(value_format(v1 - v0))}"
        gap = min(1.0, thickness * 0.1)
        across, length = thickness - 2 * gap, hi_p - lo_p
        if horizontal:
            x_, y_, w_, h_ = lo_p, top + offset + gap, length, across
        else:
            x_, y_, w_, h_ = left + offset + gap, lo_p, across, length
        by_series[position].append(
            f'<rect class="cm-bar" x="{_n(x_)}" y="{_n(y_)}" width="{_n(w_)}" '
            f'height="{_n(h_)}" fill="{_PALETTE[position % len(_PALETTE)]}">'
            f"<title>{html.escape(tip, quote=True)}</title></rect>"
        )
        if not stacked and (c, position) in value_texts:
            value_marks.append(
                _value_mark(
                    value_texts[(c, position)],
                    horizontal,
                    v1 < 0,
                    a,
                    b,
                    offset,
                    thickness,
                    top,
                    left,
                    font_size,
                )
            )
    if stacked:
        for c, total in enumerate(totals):
            if (c, 0) not in value_texts or total is None:
                continue
            up = sum(v1 - v0 for cc, _, v0, v1 in segments if cc == c and v1 > v0)
            down = sum(v1 - v0 for cc, _, v0, v1 in segments if cc == c and v1 < v0)
            negative = total < 0
            end = to_v(down if negative else up)
            value_marks.append(
                _value_mark(
                    value_texts[(c, 0)],
                    horizontal,
                    negative,
                    to_v(0.0),
                    end,
                    band * c + band * 0.1,
                    thickness,
                    top,
                    left,
                    font_size,
                )
            )
    for position, s in enumerate(series_list):
        css = _classes("cm-series", f"cm-s{position % len(_PALETTE)}", *_tokens(s.css_class))
        parts.append(f'<g class="{css}">{"".join(by_series[position])}</g>')
    if value_marks:
        parts.append(f'<g class="cm-values" font-size="{_n(font_size * SMALL_TEXT)}">')
        parts.extend(value_marks)
        parts.append("</g>")
    if not horizontal:
        centres = [left + band * (c + 0.5) for c in range(count)]
        parts.append(
            _band_labels(
                labels, centres, band=band, y=bottom + font_size * 1.25, font_size=font_size, width=width
            )
        )
    return _svg(
        css="cm-bar-chart cm-horizontal" if horizontal else "cm-bar-chart",
        width=width,
        height=height,
        title=title,
        description=description,
        body="".join(parts),
        font_size=font_size,
        chart_id=chart_id,
    )


def _value_mark(
    text: str,
    horizontal: bool,
    negative: bool,
    start: float,
    end: float,
    offset: float,
    thickness: float,
    top: float,
    left: float,
    font_size: float,
) -> str:
    small = font_size * SMALL_TEXT
    escaped = html.escape(text, quote=True)
    if horizontal:
        y = top + offset + thickness / 2 + small * 0.35
        if negative:
            x, anchor = min(start, end) - small * 0.3, "end"
        else:
            x, anchor = max(start, end) + small * 0.3, "start"
    else:
        x, anchor = left + offset + thickness / 2, "middle"
        # Negative bars hang below the zero line: their value goes just above it.
        y = min(start, end) - small * 0.3
    return f'<text class="cm-value" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">{escaped}</text>'


# ===================================================================== sparkline


def sparkline_svg(
    values: Sequence[float | None],
    *,
    title: str,
    description: str = "",
    width: float = 120,
    height: float = 28,
    css_class: str = "",
    chart_id: str | None = None,
) -> str:
    """A small fixed-size trend line (``width`` x ``height`` px) for tables/cards.

    ``None`` breaks the line; the last value gets a dot. With no finite value
    only a faint dashed baseline is drawn.
    """
    _check_size(width, height)
    points = [_finite(v) for v in values]
    finite = [v for v in points if v is not None]
    pad = 3.0
    body: list[str] = []
    css = _classes("cm-sparkline", *_tokens(css_class))
    if not finite:
        body.append(
            f'<line class="cm-spark-empty" x1="{_n(pad)}" y1="{_n(height / 2)}" '
            f'x2="{_n(width - pad)}" y2="{_n(height / 2)}" stroke="{_GRID_STROKE}" '
            'stroke-dasharray="3 3"/>'
        )
    else:
        low, high = min(finite), max(finite)
        count = len(points)

        def to_x(i: int) -> float:
            return width / 2 if count == 1 else pad + i * (width - 2 * pad) / (count - 1)

        def to_y(value: float) -> float:
            if high - low < 1e-12:
                return height / 2
            return height - pad - (value - low) / (high - low) * (height - 2 * pad)

        last = max(i for i, v in enumerate(points) if v is not None)
        run: list[str] = []
        for i in range(count + 1):
            value = points[i] if i < count else None
            if value is not None:
                run.append(f"{_n2(to_x(i))},{_n2(to_y(value))}")
                continue
            if len(run) >= 2:
                body.append(
                    f'<polyline class="cm-spark-line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{_PALETTE[0]}" stroke-width="1.5" stroke-linejoin="round" '
                    'stroke-linecap="round"/>'
                )
            elif len(run) == 1 and i - 1 != last:
                x_text, y_text = run[0].split(",")
                body.append(
                    f'<circle class="cm-spark-dot" cx="{x_text}" cy="{y_text}" r="1.5" fill="{_PALETTE[0]}"/>'
                )
            run = []
        body.append(
            f'<circle class="cm-spark-last" cx="{_n2(to_x(last))}" '
            f'cy="{_n2(to_y(points[last]))}" r="2.5" fill="{_PALETTE[0]}"/>'  # type: ignore[arg-type]
        )
    return _svg(
        css=css,
        width=width,
        height=height,
        title=title,
        description=description,
        body="".join(body),
        font_size=10,
        chart_id=chart_id,
        fixed_size=True,
    )
