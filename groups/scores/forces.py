"""The one force layout of the network pictures: a deterministic pure-Python
Fruchterman & Reingold (1991). networkx's spring_layout/kamada_kawai_layout need numpy, which
the project does not install.

* callers sort nodes and links first, so input order never changes the output;
* up to EXACT_MAX (150) nodes: exact all-pairs repulsion, with a gentle pull to the centre;
* above that: grid-accelerated repulsion (only neighbours within 2k, the grid variant of the
  original paper) and fewer iterations, so 2,000 nodes lay out in about a second.

Used when a snapshot stores the network of groups (layouts.py) and by charts.network_svg
when it is given no stored positions. No Django.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

#: Above this many nodes the layout switches to grid-accelerated repulsion.
EXACT_MAX = 150
_GRAVITY = 1.0
#: Pair checks + link updates one large layout may spend (~1 s of pure Python);
#: typical 2,000-node graphs need ~5 million for their 20 iterations.
_LAYOUT_WORK_BUDGET = 8_000_000


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _iterations(count: int) -> int:
    if count <= 50:
        return 200
    if count <= EXACT_MAX:
        return 100
    if count <= 500:
        return 50
    return max(20, int(50 * 500 / count))


def force_layout(
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
    exact = count <= EXACT_MAX
    iterations = _iterations(count)
    temperature = 0.1 * max(aspect, 1.0)
    cooling = temperature / (iterations + 1)
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
            _repel_exact(xs, ys, dx, dy, k2)
        else:
            work += _repel_grid(xs, ys, dx, dy, k)
        _attract(links, xs, ys, dx, dy, k)
        if exact:
            # Gentle pull to the centre keeps separate components together
            # (instead of clipping them against the frame).
            for i in range(count):
                dx[i] -= _GRAVITY * (xs[i] - aspect / 2.0)
                dy[i] -= _GRAVITY * (ys[i] - 0.5)
        _move(xs, ys, dx, dy, temperature, aspect if not exact else None)
        temperature -= cooling
    return xs, ys


def _repel_exact(xs: list[float], ys: list[float], dx: list[float], dy: list[float], k2: float) -> None:
    count = len(xs)
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


#: A cell and its four "forward" neighbours: each pair of cells is visited once.
_FORWARD = ((1, 0), (-1, 1), (0, 1), (1, 1))


def _repel_grid(xs: list[float], ys: list[float], dx: list[float], dy: list[float], k: float) -> int:
    """Repulsion only between nodes within 2k (same or neighbouring cell); returns the work done."""
    k2 = k * k
    cutoff2 = 4.0 * k2
    cell = 2.0 * k
    grid: dict[tuple[int, int], list[int]] = {}
    for i in range(len(xs)):
        grid.setdefault((int(xs[i] / cell), int(ys[i] / cell)), []).append(i)
    work = 0
    for (cx, cy), members in grid.items():
        size = len(members)
        work += size * (size - 1) // 2 + size * sum(len(grid.get((cx + a, cy + b), ())) for a, b in _FORWARD)
        for a_index, i in enumerate(members):
            for j in members[a_index + 1 :]:
                _push(xs, ys, dx, dy, i, j, k2, cutoff2)
        for a, b in _FORWARD:
            others = grid.get((cx + a, cy + b), ())
            for i in members:
                for j in others:
                    _push(xs, ys, dx, dy, i, j, k2, cutoff2)
    return work


def _push(xs, ys, dx, dy, i: int, j: int, k2: float, cutoff2: float) -> None:
    ddx = xs[i] - xs[j]
    ddy = ys[i] - ys[j]
    d2 = ddx * ddx + ddy * ddy
    if d2 >= cutoff2:
        return
    if d2 < 1e-12:
        ddx, ddy, d2 = 1e-6, 0.0, 1e-12
    force = k2 / d2
    dx[i] += ddx * force
    dy[i] += ddy * force
    dx[j] -= ddx * force
    dy[j] -= ddy * force


def _attract(links, xs: list[float], ys: list[float], dx: list[float], dy: list[float], k: float) -> None:
    for i, j, strength in links:
        ddx = xs[i] - xs[j]
        ddy = ys[i] - ys[j]
        dist = math.sqrt(ddx * ddx + ddy * ddy)
        force = dist * strength / k
        dx[i] -= ddx * force
        dy[i] -= ddy * force
        dx[j] += ddx * force
        dy[j] += ddy * force


def _move(xs, ys, dx, dy, temperature: float, frame: float | None) -> None:
    """Each node moves at most `temperature`; with a frame width, it is kept inside the frame."""
    for i in range(len(xs)):
        length = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])
        if length > 0.0:
            step = min(length, temperature) / length
            if frame is None:
                xs[i] += dx[i] * step
                ys[i] += dy[i] * step
            else:
                xs[i] = _clamp(xs[i] + dx[i] * step, 0.0, frame)
                ys[i] = _clamp(ys[i] + dy[i] * step, 0.0, 1.0)
