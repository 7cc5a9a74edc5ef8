"""Server-rendered SVG charts: a network picture, line, bar and sparkline charts.

Every function returns a ``str`` of inline ``<svg>`` markup that a template marks
safe. This package never imports Django and has no third-party dependencies.

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

Layout of the network: stored positions when given (pages), else the one force
layout of the wing (``groups/scores/forces.py``); isolates (nodes without a
drawable edge or a usable position) go on one or more rings around the others.

Modules: svg.py (data classes, escaping, numbers, the <svg> wrapper, axes,
legends), network.py, lines.py (line chart and sparkline), bars.py.

Labels are drawn next to nodes only when there are at most ``LABEL_MAX_NODES``
(40) nodes; otherwise they are in each node's ``<title>`` tooltip only.
"""

from .bars import bar_chart_svg
from .lines import line_chart_svg, sparkline_svg
from .network import network_svg
from .svg import LABEL_MAX_NODES, ChartEdge, ChartNode, Series

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
