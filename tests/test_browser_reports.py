"""The report pages in Debian's Chromium (Playwright): the demo coordinator logs in and opens
the dashboard, a group report and a person profile on a phone (360 px) and a desktop.

Screenshots go to the test's tmp directory, or to $REPORT_SCREENSHOTS when set, so a person
can look at them. The Content-Security-Policy is on: any inline script or style the pages
tried would show up as a console error, and the test fails on console errors."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from groups.models import Area, Person
from groups.scores import reading, snapshots

START, END = dt.date(2025, 11, 29), dt.date(2026, 11, 28)
PERIOD = f"?period=dates&start={START.isoformat()}&end={END.isoformat()}"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    call_command("seed_demo", today=END.isoformat(), stdout=io.StringIO())
    district = Area.objects.get(ref="ID-JT-WSB-KTK")
    snapshots.compute_snapshot(reading.request_snapshot(district, START, END))
    return {
        "slamet": Person.objects.get(full_name="Slamet Riyadi").ref,
        "rina": Person.objects.get(full_name="Rina Wulandari").ref,
    }


def shots_dir(tmp_path) -> Path:
    target = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize("width", [360, 1280])
def test_coordinator_reads_the_demo_reports(live_server, demo, browser, tmp_path, width):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="en", extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    target = shots_dir(tmp_path)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", "komunitas-demo-2026")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/reports/areas/ID-JT-WSB-KTK/{PERIOD}")
    assert page.locator("h1").inner_text() == "Social capital in Kecamatan Kertek"
    assert page.locator("#brokers-title + p + ol li").first.inner_text().startswith("Slamet Riyadi")
    assert page.locator("#isolated-title ~ ul").get_by_text("Rina Wulandari").count() == 1
    assert page.locator("#aid-title ~ ol li").first.inner_text().startswith("KUBE Batik Sekar Jagad")
    assert page.locator("svg#group-network, svg[aria-labelledby='group-network-t']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    page.screenshot(path=str(target / f"dashboard-{width}.png"), full_page=True)

    # the filter form swaps the report in place (htmx) and keeps a shareable address; a fresh
    # page, because Playwright's screenshot leaves style="" on inputs, which htmx would copy
    page.goto(f"{live_server.url}/reports/areas/ID-JT-WSB-KTK/{PERIOD}")
    page.select_option("select[name=resource]", "knowledge")
    page.click("#report form button[type=submit]")
    page.wait_for_url("**resource=knowledge**")
    assert "only Knowledge or skills" in page.locator(".report-meta").inner_text()

    page.goto(f"{live_server.url}/reports/groups/G-KUBE-BATIK/{PERIOD}")
    assert "aid from outside institutions" in page.locator(".sentences").inner_text()
    assert page.locator("svg[aria-labelledby='member-network-t']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(target / f"group-{width}.png"), full_page=True)

    page.goto(f"{live_server.url}/reports/people/{demo['slamet']}/{PERIOD}")
    said = page.locator(".sentences").inner_text()
    assert "For the facilitator's eyes" in said  # the sentences name him
    # Pak Slamet is a cut vertex of the demo: the sentence says so, with the number
    assert "Kecamatan Kertek together: if they stepped back, 53 people would lose touch" in said
    page.screenshot(path=str(target / f"person-{width}.png"), full_page=True)

    # a score's label leads to its definition
    page.locator("a.indicator", has_text="Reciprocity").first.click()
    page.wait_for_url("**/methodology/#reciprocity")
    assert page.locator("#reciprocity h2").inner_text() == "Reciprocity"

    page.goto(f"{live_server.url}/reports/people/{demo['rina']}/{PERIOD}")
    assert "no recorded exchange" in page.locator(".sentences").inner_text()
    page.screenshot(path=str(target / f"newcomer-{width}.png"), full_page=True)
    assert errors == []
    context.close()
