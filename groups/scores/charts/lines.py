"""Trend lines over periods, and the small sparkline of tables and cards."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence

from .svg import (
    _AXIS_STROKE,
    _GRID_STROKE,
    _PALETTE,
    Series,
    _band_labels,
    _check_size,
    _clamp,
    _classes,
    _clean,
    _default_format,
    _empty,
    _finite,
    _font,
    _legend,
    _n,
    _n2,
    _prepare,
    _scale,
    _svg,
    _text_width,
    _tokens,
    _value_axis_vertical,
)

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
    target = max(2, min(6, int(plot_h / (font_size * 2.2)) + 1))
    low, high, ticks = _scale(
        low, high, fixed_low=y_min_f is not None, fixed_high=y_max_f is not None, target=target
    )
    tick_w = max((_text_width(_clean(y_format(t)), font_size) for t in ticks), default=0.0)
    left = pad + tick_w + font_size * 0.5
    right = width - pad
    plot_w = max(right - left, 1.0)
    band = plot_w / count
    centres = [left + band * (i + 0.5) for i in range(count)]

    def to_y(value: float) -> float:
        return bottom - (_clamp(value, low, high) - low) / (high - low) * plot_h

    parts = [legend, _axes(ticks, to_y, left, right, top, bottom, font_size, y_format)]
    point_r = _clamp(band * 0.18, 2.0, font_size * 0.3)
    for position, (s, row) in enumerate(zip(series_list, rows, strict=True)):
        parts.append(_line_series(position, s, row, labels, centres, to_y, point_r, y_format))
    parts.append(
        _band_labels(
            labels, centres, band=band, y=bottom + font_size * 1.25, font_size=font_size, width=width
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


def _axes(
    ticks, to_y, left: float, right: float, top: float, bottom: float, font_size: float, y_format
) -> str:
    """The value axis with its grid, and the two axis lines."""
    return _value_axis_vertical(ticks, to_y, left=left, right=right, font_size=font_size, fmt=y_format) + (
        f'<line class="cm-axis" x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" '
        f'y2="{_n(bottom)}" stroke="{_AXIS_STROKE}"/>'
        f'<line class="cm-axis" x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" '
        f'y2="{_n(bottom)}" stroke="{_AXIS_STROKE}"/>'
    )


def _line_series(
    position: int,
    s: Series,
    row: list[float | None],
    labels: list[str],
    centres: list[float],
    to_y: Callable[[float], float],
    point_r: float,
    y_format: Callable[[float], str],
) -> str:
    """One series: a polyline per run of values (None breaks it) and a dot with a tooltip each."""
    colour = _PALETTE[position % len(_PALETTE)]
    css = _classes("cm-series", f"cm-s{position % len(_PALETTE)}", *_tokens(s.css_class))
    name = _clean(s.name)
    parts = [f'<g class="{css}">']
    for run in _runs(row):
        if len(run) >= 2:
            points = " ".join(f"{_n(centres[i])},{_n(to_y(row[i]))}" for i in run)
            parts.append(
                f'<polyline class="cm-line" points="{points}" fill="none" '
                f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round" '
                'stroke-linecap="round"/>'
            )
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
    return "".join(parts)


def _runs(values) -> list[list[int]]:
    """The indices of each run of consecutive values that are not None (None breaks a line)."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


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
        for run in _runs(points):
            if len(run) >= 2:
                line = " ".join(f"{_n2(to_x(i))},{_n2(to_y(points[i]))}" for i in run)
                body.append(
                    f'<polyline class="cm-spark-line" points="{line}" fill="none" '
                    f'stroke="{_PALETTE[0]}" stroke-width="1.5" stroke-linejoin="round" '
                    'stroke-linecap="round"/>'
                )
            elif run[0] != last:
                x, y = _n2(to_x(run[0])), _n2(to_y(points[run[0]]))
                body.append(f'<circle class="cm-spark-dot" cx="{x}" cy="{y}" r="1.5" fill="{_PALETTE[0]}"/>')
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
