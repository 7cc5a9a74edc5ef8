"""After Back, htmx 2 asks again for a page that is not in its history cache, with both
`HX-Request` and `HX-History-Restore-Request`: it must get the whole page, never the bare
fragment that the same URL gives to an ordinary htmx swap (groups/views/render.py)."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from groups.models import ActivityKind, FundKind
from groups.services import ledger

from . import factories as f

SWAP = {"HTTP_HX_REQUEST": "true"}
RESTORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}

#: Every view whose page pushes a URL into the history (hx-push-url), with the template that
#: does it, who reads it and the URL.
PUSHING = {
    "my_exchanges": ("groups/my_exchanges.html", "member", lambda: reverse("groups:my_exchanges")),
    "exchange_pending": (
        "groups/exchange_pending.html", "facilitator", lambda: reverse("groups:exchange_pending")
    ),
    "report_dashboard": (
        "groups/report_filters.html", "coordinator", lambda: reverse("groups:report_dashboard")
    ),
    "report_dashboard_area": (
        "groups/report_filters.html", "coordinator", lambda: reverse("groups:report_dashboard", args=["V1"])
    ),
    "report_group": (
        "groups/report_filters.html", "facilitator", lambda: reverse("groups:report_group", args=["G1"])
    ),
    "report_person": (
        "groups/report_filters.html",
        "coordinator",
        lambda: reverse("groups:report_person", args=["P-MEMBER"]),
    ),
    "report_group_change": (
        "groups/report_group_change.html",
        "facilitator",
        lambda: reverse("groups:report_group_change", args=["G1", "ACT-TRAIN"]),
    ),
    # the Next/Previous links of the groups, people and actors lists (one pager for the three)
    "group_list_page_2": (
        "groups/group_list_pages.html", "facilitator", lambda: reverse("groups:group_list") + "?page=2"
    ),
    "fund_share_out": (
        "groups/fund_share_out.html",
        "facilitator",
        lambda: reverse("groups:fund_share_out", args=["G1", "F-SAVE"]),
    ),
}


def is_whole_page(response) -> bool:
    body = response.content.decode()
    return "<html" in body and "<nav" in body


@pytest.fixture
def training(world):
    ledger.create_fund(
        group=world.group, kind=FundKind.SAVINGS_LOAN, name="Simpan pinjam", opened_on=dt.date(2026, 1, 5),
        ref="F-SAVE",
    )
    f.ActivityFactory(
        ref="ACT-TRAIN",
        group=world.group,
        kind=ActivityKind.TRAINING,
        date=timezone.localdate() - dt.timedelta(days=60),
    )


@pytest.mark.parametrize("name", sorted(PUSHING))
def test_a_history_restore_request_gets_the_whole_page(client, request, training, name):
    _template, persona, url = PUSHING[name]
    client.force_login(request.getfixturevalue(persona))
    swapped = client.get(url(), **SWAP)
    assert swapped.status_code == 200
    assert not is_whole_page(swapped)  # an ordinary htmx swap gets the fragment only
    restored = client.get(url(), **RESTORE)
    assert restored.status_code == 200
    assert is_whole_page(restored)


def test_every_template_that_pushes_a_url_is_covered():
    """A new hx-push-url must add its view to PUSHING above."""
    root = Path(settings.BASE_DIR) / "templates"
    pushing = {
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"hx-push-url=\"true\"", path.read_text())
    }
    assert pushing == {template for template, _persona, _url in PUSHING.values()}
