"""The shared pieces of every chart: the data classes, escaping of caller text, number
formatting, the <svg> wrapper, scales, axes, legends and the empty state. No Django, no
third-party dependencies (see the package docstring for the security rules)."""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

#: Networks with more nodes than this get no visible labels (tooltips only).
LABEL_MAX_NODES = 40
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
    """Domain and tick values for [low, high]; unfixed ends are rounded out. A range too
    narrow to tell apart from one value (a few 1e-324, say) is drawn as one value."""
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):
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


def _wrap(text: str, limit: int, lines: int) -> list[str]:
    """``text`` on at most ``lines`` lines of at most ``limit`` characters, broken at spaces;
    what does not fit on the last line is cut with an ellipsis (the full text goes in a <title>)."""
    if len(text) <= limit or lines <= 1:
        return [_shorten(text, limit)]
    cut = text.rfind(" ", 0, limit + 1)
    if cut <= 0:
        return [_shorten(text, limit)]
    return [text[:cut], *_wrap(text[cut + 1 :].lstrip(), limit, lines - 1)]


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
