"""A coordinator sees a savings group's portfolio at risk, in Debian's Chromium (Playwright):
the group report's money table and the dashboard's, on a phone (360 px) and a desktop, in
English and Indonesian, with nothing wider than the screen and no console error.

Screenshots go to $REPORT_SCREENSHOTS when set (else the test's tmp directory)."""

import os
from pathlib import Path

import pytest

from groups.scores import reading, snapshots

from . import factories as f
from .test_scores_money_stored import END, START

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERIOD = f"?period=dates&start={START.isoformat()}&end={END.isoformat()}"
WORDS = {
    "en": ("Portfolio at risk (over 30 days)", "71% of 3 loans outstanding"),
    "id": ("Pinjaman berisiko (telat lebih dari 30 hari)", "71% dari 3 pinjaman yang belum lunas"),
}


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["en", "id"])
def test_a_coordinator_sees_the_groups_portfolio_at_risk(
    live_server, browser, world, coordinator, savings_group, tmp_path, width, language
):
    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    target = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", f.TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    label, value = WORDS[language]
    # the group report: one row per figure; the dashboard: one row per group, the figure a column
    pages = (
        (f"/reports/groups/G1/{PERIOD}", "group", label),
        (f"/reports/areas/D/{PERIOD}", "dashboard", "Arisan RT 03"),
    )
    for path, name, row_text in pages:
        page.goto(f"{live_server.url}{path}")
        assert label in page.locator("table.money").first.inner_text()
        assert value in page.locator("table.money tbody tr", has_text=row_text).first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        page.locator("table.money").first.screenshot(
            path=str(target / f"money-{name}-{language}-{width}.png")
        )
    # the money per quarter: on a phone each quarter is a card, no figure off the side
    page.goto(f"{live_server.url}{pages[0][0]}")
    page.locator("table.money-trend").screenshot(path=str(target / f"money-quarters-{language}-{width}.png"))
    if width == 360:
        for wrap in page.locator(".table-wrap:has(> table.money)").all():
            assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1"), "a money column is off the side"
    assert errors == []
    context.close()
