"""The dashboard shows the areas within near the top, each with its key figures, and leads
into each with the same period."""

import re

import pytest
from django.urls import reverse

from .test_reports_views import scored  # noqa: F401 (the fixture computes the scores)


def subareas_table(html: str) -> str:
    start = html.index('<table class="villages-table card-rows">')
    return html[start : html.index("</table>", start)]


@pytest.mark.usefixtures("scored")
def test_areas_within_come_before_the_trends_with_their_figures(
    client, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    # the map of groups adds three, whatever the number of groups: the viewer's groups, their
    # member login (for scope), whether outlines exist (tests/test_map.py checks they stay flat)
    with django_assert_max_num_queries(41):
        response = client.get(reverse("groups:report_dashboard", args=["D"]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert html.index("Areas within") < html.index("Trends per quarter")
    row = r'<tr>\s*<th scope="row"><a href="([^"]+)">([^<]+)</a></th>(.*?)</tr>'
    rows = re.findall(row, subareas_table(html), re.S)
    values = {name: re.findall(r'<span class="value">([^<]+)</span>', cells) for _, name, cells in rows}
    figures = {name: [cells[1], cells[0], cells[3]] for name, cells in values.items()}
    # people, groups, people party to an exchange (of the people). V1 (Sumberejo): Sri, Siti,
    # Budi and Tono (no exchange) in G1; V2 (Candimulyo): Ani, and Budi who lives in V1 but belongs to G2 (a
    # village's people are those who live in it or belong to one of its groups, as on its page).
    assert figures == {
        "Desa Candimulyo": ["2", "1", "2 of 2 people"],
        "Desa Sumberejo": ["4", "1", "3 of 4 people"],
    }
    assert rows[0][0] == reverse("groups:report_dashboard", args=["V2"])  # the default period
