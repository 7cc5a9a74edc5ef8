"""Grouped or stacked bars, vertical or horizontal, with optional value labels."""

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
    _font,
    _legend,
    _n,
    _prepare,
    _scale,
    _shorten,
    _svg,
    _text_width,
    _tokens,
    _value_axis_vertical,
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
    bars_per_band = 1 if stacked else max(n_series, 1)
    band_target = max(font_size * 1.8, bars_per_band * font_size * 1.1 + font_size * 0.9)
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
    value_w = max((_text_width(t, font_size * 0.85) for t in value_texts.values()), default=0.0)

    parts = [legend]
    top = pad + legend_h + font_size * 0.8
    if horizontal:
        bottom = height - pad - font_size * 1.4
        fit_chars = max(4, int(width * 0.4 / _text_width("x", font_size)))
        shown = [_shorten(label, min(28, fit_chars)) for label in labels]
        label_w = max((_text_width(s, font_size) for s in shown), default=0.0)
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
        for c, (label, text) in enumerate(zip(labels, shown, strict=True)):
            tip = f"<title>{html.escape(label, quote=True)}</title>" if text != label else ""
            y = top + band * (c + 0.5) + font_size * 0.35
            parts.append(
                f'<text class="cm-ylabel" x="{_n(left - font_size * 0.4)}" y="{_n(y)}">'
                f"{tip}{html.escape(text, quote=True)}</text>"
            )
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
        parts.append(f'<g class="cm-values" font-size="{_n(font_size * 0.85)}">')
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
    small = font_size * 0.85
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
