"""Grouped or stacked bars, vertical or horizontal, with optional value labels."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .svg import (
    _AXIS_STROKE,
    _GRID_STROKE,
    _PALETTE,
    SMALL_TEXT,
    Series,
    _band_labels,
    _check_size,
    _clamp,
    _classes,
    _clean,
    _default_format,
    _empty,
    _font,
    _legend,
    _n,
    _prepare,
    _scale,
    _svg,
    _text_width,
    _tokens,
    _value_axis_vertical,
    _wrap,
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
    if height is None:
        lines = _row_lines(labels, width, font_size)
        height = _height(horizontal, stacked, count, n_series, font_size, lines)
    _check_size(width, height)
    if not finite or n_series == 0:
        return _empty("cm-bar-chart", width, height, title, description, empty_text, chart_id)

    pad = font_size * 0.5
    legend_items = [(_clean(s.name), i, _tokens(s.css_class)) for i, s in enumerate(series_list)]
    legend, legend_h = _legend(legend_items, x0=pad, y0=pad, avail=width - 2 * pad, font_size=font_size)
    segments, totals = _segments(rows, count, n_series, stacked)
    value_texts = _value_texts(segments, totals, stacked, value_format) if value_labels else {}
    value_w = max((_text_width(t, font_size * SMALL_TEXT) for t in value_texts.values()), default=0.0)
    top = pad + legend_h + font_size * 0.8
    if horizontal:
        plot = _HorizontalPlot.of(
            labels, width, height, top, pad, font_size, value_w if value_labels else None
        )
    else:
        plot = _VerticalPlot.of(height, top, pad, font_size, value_labels)
    ends = [0.0] + [s[2] for s in segments] + [s[3] for s in segments]
    low, high, ticks = _scale(min(ends), max(ends), fixed_low=False, fixed_high=False, target=plot.target)
    axes, to_v, band, left = _axes(plot, labels, ticks, low, high, width, pad, font_size, value_format)
    parts = [legend, axes]
    top = plot.top
    thickness = band * 0.8 if stacked else band * 0.8 / max(n_series, 1)
    geometry = _BarGeometry(horizontal, stacked, band, thickness, top, left, font_size, to_v)
    by_series, value_marks = _bars(segments, series_list, labels, value_texts, geometry, value_format)
    if stacked:
        value_marks += _total_marks(segments, totals, value_texts, geometry)
    for position, s in enumerate(series_list):
        css = _classes("cm-series", f"cm-s{position % len(_PALETTE)}", *_tokens(s.css_class))
        parts.append(f'<g class="{css}">{"".join(by_series[position])}</g>')
    if value_marks:
        small = _n(font_size * SMALL_TEXT)
        parts.append(f'<g class="cm-values" font-size="{small}">{"".join(value_marks)}</g>')
    if not horizontal:
        centres = [left + band * (c + 0.5) for c in range(count)]
        y = plot.bottom + font_size * 1.25
        parts.append(_band_labels(labels, centres, band=band, y=y, font_size=font_size, width=width))
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


def _axes(
    plot, labels, ticks, low: float, high: float, width: float, pad: float, font_size: float, value_format
):
    """The value axis and grid, the category labels (horizontal) and the zero line:
    (markup, value -> coordinate, band of one category, left edge of the plot)."""
    to_v = plot.scaler(low, high)
    if isinstance(plot, _HorizontalPlot):
        markup = plot.axes(labels, ticks, to_v, width, font_size, value_format)
        zero = to_v(_clamp(0.0, low, high))
        markup += _axis_line(zero, plot.top, zero, plot.bottom)
        return markup, to_v, (plot.bottom - plot.top) / len(labels), plot.left
    left, right, plot_len = plot.columns(ticks, width, pad, font_size, value_format)
    markup = _value_axis_vertical(ticks, to_v, left=left, right=right, font_size=font_size, fmt=value_format)
    zero = to_v(_clamp(0.0, low, high))
    markup += _axis_line(left, zero, right, zero)
    return markup, to_v, plot_len / len(labels), left


def _row_labels(labels, width: float, font_size: float) -> list[list[str]]:
    """Horizontal row labels on at most four lines each, fitting 45% of the width: on a
    phone two lines cut indicator names ("Ikatan ke lembaga berwena…")."""
    fit_chars = max(4, int(width * 0.45 / _text_width("x", font_size)))
    return [_wrap(label, min(28, fit_chars), 4) for label in labels]


def _row_lines(labels, width: float, font_size: float) -> int:
    return max((len(lines) for lines in _row_labels(labels, width, font_size)), default=1)


def _height(
    horizontal: bool, stacked: bool, count: int, n_series: int, font_size: float, line_count: int = 1
) -> float:
    """Horizontal bars grow with the number of rows (and their label lines); vertical ones are
    300 high."""
    if not (horizontal and count):
        return 300
    bars_per_band = 1 if stacked else max(n_series, 1)
    band_target = max(
        font_size * (0.6 + 1.2 * line_count), bars_per_band * font_size * 1.1 + font_size * 0.9
    )
    legend_probe_h = font_size * 1.4 * (1 + (n_series > 3))
    return font_size * 3.5 + legend_probe_h + count * band_target


def _axis_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line class="cm-axis" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" '
        f'y2="{_n(y2)}" stroke="{_AXIS_STROKE}"/>'
    )


def _segments(rows, count: int, n_series: int, stacked: bool):
    """Segments in value space: (category, series, start, end); and each stack's total."""
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
    return segments, totals


def _value_texts(segments, totals, stacked: bool, value_format) -> dict[tuple[int, int], str]:
    if stacked:
        return {(c, 0): _clean(value_format(t)) for c, t in enumerate(totals) if t is not None}
    return {(c, p): _clean(value_format(v1)) for c, p, _, v1 in segments}


@dataclass
class _HorizontalPlot:
    """Categories in rows, labels on the left, values along x."""

    top: float
    bottom: float
    left: float
    span: float
    target: int
    shown: list[list[str]]

    @classmethod
    def of(cls, labels, width, height, top, pad, font_size, value_w: float | None) -> _HorizontalPlot:
        bottom = height - pad - font_size * 1.4
        shown = _row_labels(labels, width, font_size)
        label_w = max((_text_width(line, font_size) for lines in shown for line in lines), default=0.0)
        left = pad + label_w + font_size * 0.5
        right = width - pad - (value_w + font_size * 0.8 if value_w is not None else 0.0)
        span = max(right - left, 1.0)
        return cls(top, bottom, left, span, max(2, min(6, int(span / (font_size * 4)) + 1)), shown)

    def scaler(self, low: float, high: float) -> Callable[[float], float]:
        return lambda value: self.left + (value - low) / (high - low) * self.span

    def axes(self, labels, ticks, to_v, width, font_size, value_format) -> str:
        grid = ['<g class="cm-grid-lines">']
        tick_text = ['<g class="cm-ticks" text-anchor="middle">']
        for tick in ticks:
            x = to_v(tick)
            css = "cm-grid cm-zero" if tick == 0 else "cm-grid"
            grid.append(
                f'<line class="{css}" x1="{_n(x)}" y1="{_n(self.top)}" x2="{_n(x)}" '
                f'y2="{_n(self.bottom)}" stroke="{_GRID_STROKE}"/>'
            )
            text = _clean(value_format(tick))
            half = _text_width(text, font_size) / 2.0
            tick_text.append(
                f'<text class="cm-tick" x="{_n(_clamp(x, half, width - half))}" '
                f'y="{_n(self.bottom + font_size * 1.25)}">{html.escape(text, quote=True)}</text>'
            )
        parts = grid + ["</g>"] + tick_text + ["</g>"]
        parts.append('<g class="cm-ylabels" text-anchor="end">')
        band = (self.bottom - self.top) / len(labels)
        for c, (label, lines) in enumerate(zip(labels, self.shown, strict=True)):
            tip = f"<title>{html.escape(label, quote=True)}</title>" if " ".join(lines) != label else ""
            x = _n(self.left - font_size * 0.4)
            y = self.top + band * (c + 0.5) + font_size * 0.35 - font_size * 0.6 * (len(lines) - 1)
            text = html.escape(lines[0], quote=True)
            if len(lines) > 1:
                step = _n(font_size * 1.2)
                text = "".join(
                    f'<tspan x="{x}" dy="{step if i else 0}">{html.escape(line, quote=True)}</tspan>'
                    for i, line in enumerate(lines)
                )
            parts.append(f'<text class="cm-ylabel" x="{x}" y="{_n(y)}">{tip}{text}</text>')
        parts.append("</g>")
        return "".join(parts)


@dataclass
class _VerticalPlot:
    """Categories in columns, values up the y axis."""

    top: float
    bottom: float
    span: float
    target: int

    @classmethod
    def of(cls, height, top, pad, font_size, value_labels: bool) -> _VerticalPlot:
        bottom = height - pad - font_size * 1.3
        top += font_size * 1.0 if value_labels else 0.0
        span = max(bottom - top, font_size)
        return cls(top, top + span, span, max(2, min(6, int(span / (font_size * 2.2)) + 1)))

    def scaler(self, low: float, high: float) -> Callable[[float], float]:
        return lambda value: self.bottom - (value - low) / (high - low) * self.span

    def columns(self, ticks, width, pad, font_size, value_format) -> tuple[float, float, float]:
        """(left, right, length) of the plot, after the widest tick label."""
        tick_w = max((_text_width(_clean(value_format(t)), font_size) for t in ticks), default=0.0)
        plot_len = width - pad - (pad + tick_w + font_size * 0.5)
        return width - pad - plot_len, width - pad, plot_len


@dataclass(frozen=True)
class _BarGeometry:
    horizontal: bool
    stacked: bool
    band: float
    thickness: float
    top: float
    left: float
    font_size: float
    to_v: Callable[[float], float]


def _bars(segments, series_list, labels, value_texts, g: _BarGeometry, value_format):
    """Each series' <rect>s, and the value labels of unstacked bars."""
    by_series: dict[int, list[str]] = {p: [] for p in range(len(series_list))}
    value_marks: list[str] = []
    for c, position, v0, v1 in segments:
        offset = g.band * c + g.band * 0.1 + (0.0 if g.stacked else g.thickness * position)
        a, b = g.to_v(v0), g.to_v(v1)
        lo_p, hi_p = min(a, b), max(a, b)
        s = series_list[position]
        tip = f"{_clean(s.name)} \u00b7 {labels[c]}: {_clean(value_format(v1 - v0))}"
        gap = min(1.0, g.thickness * 0.1)
        across, length = g.thickness - 2 * gap, hi_p - lo_p
        if g.horizontal:
            x_, y_, w_, h_ = lo_p, g.top + offset + gap, length, across
        else:
            x_, y_, w_, h_ = g.left + offset + gap, lo_p, across, length
        by_series[position].append(
            f'<rect class="cm-bar" x="{_n(x_)}" y="{_n(y_)}" width="{_n(w_)}" '
            f'height="{_n(h_)}" fill="{_PALETTE[position % len(_PALETTE)]}">'
            f"<title>{html.escape(tip, quote=True)}</title></rect>"
        )
        if not g.stacked and (c, position) in value_texts:
            value_marks.append(
                _value_mark(
                    value_texts[(c, position)],
                    g.horizontal,
                    v1 < 0,
                    a,
                    b,
                    offset,
                    g.thickness,
                    g.top,
                    g.left,
                    g.font_size,
                )  # fmt: skip
            )
    return by_series, value_marks


def _total_marks(segments, totals, value_texts, g: _BarGeometry) -> list[str]:
    """The value labels of stacks: each stack's total at its end."""
    marks = []
    for c, total in enumerate(totals):
        if (c, 0) not in value_texts or total is None:
            continue
        up = sum(v1 - v0 for cc, _, v0, v1 in segments if cc == c and v1 > v0)
        down = sum(v1 - v0 for cc, _, v0, v1 in segments if cc == c and v1 < v0)
        negative = total < 0
        end = g.to_v(down if negative else up)
        marks.append(
            _value_mark(
                value_texts[(c, 0)],
                g.horizontal,
                negative,
                g.to_v(0.0),
                end,
                g.band * c + g.band * 0.1,
                g.thickness,
                g.top,
                g.left,
                g.font_size,
            )  # fmt: skip
        )
    return marks


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
