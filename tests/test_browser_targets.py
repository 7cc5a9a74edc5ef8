"""Villages side by side, targets and the scorecard in Debian's Chromium (Playwright): the
coordinator of the two villages' district (tests/test_villages.py) sorts the villages table
in place (htmx), sets a participation target and sees the scorecard change, on a phone
(360 px) and a desktop (1280 px), in English and in Indonesian. The Content-Security-Policy
is on: a blocked inline script or style is a console error, and the test fails on console
errors. Screenshots go to $BROWSER_SHOTS or /tmp/browser_shots."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .factories import TEST_PASSWORD
from .test_villages import two_villages  # noqa: F401
from .test_villages_regency import regency, regency_coordinator  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"near": "near target", "on": "on target", "save": "Save the target", "people": "People"},
    "id": {"near": "hampir sesuai target", "on": "sesuai target", "save": "Simpan target", "people": "Warga"},
}


def shots() -> Path:
    target = Path(os.environ.get("BROWSER_SHOTS") or Path(tempfile.gettempdir()) / "browser_shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def village_names(page) -> list[str]:
    return page.locator("#villages tbody th[scope=row] a").all_inner_texts()


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "width"), [("en", 360), ("en", 1280), ("id", 360), ("id", 1280)])
def test_coordinator_sorts_villages_sets_a_target_and_sees_the_scorecard_change(
    live_server, browser, two_villages, coordinator, lang, width  # noqa: F811
):
    words = WORDS[lang]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", coordinator.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/reports/areas/D/")
    assert village_names(page) == ["Desa Candimulyo", "Desa Sumberejo"]  # by name
    # sort by people, then the other way: the table is swapped in place, the page stays
    where = ".village-sorts" if width < 768 else "#villages thead"  # phones: links above the cards
    page.locator(f"{where} a[href$='?sort=people']").click()
    # sorted by people: the heading's link now reverses it
    expect(page.locator(f"{where} a[href$='?sort=-people']")).to_have_text(re.compile(words["people"]))
    assert village_names(page) == ["Desa Candimulyo", "Desa Sumberejo"]  # 3 people, then 4
    page.locator(f"{where} a[href$='?sort=-people']").click()
    expect(page.locator("#villages tbody th a").first).to_have_text("Desa Sumberejo")
    assert page.url.endswith("/reports/areas/D/")  # swapped in place: no navigation
    assert village_names(page) == ["Desa Sumberejo", "Desa Candimulyo"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#villages").screenshot(path=shots() / f"villages-{lang}-{width}.png")

    # set a target: participation at least 70%, near band 5
    page.locator("#scorecard a[href$='/targets/']").click()
    page.select_option("select[name=indicator]", "participation")
    page.fill("input[name=goal]", "70")
    page.fill("input[name=near]", "5")
    with page.expect_navigation():  # saved: htmx follows the redirect as a page load
        page.get_by_role("button", name=words["save"]).click()
    scorecard = page.locator("#scorecard")
    candimulyo = scorecard.locator("tr", has_text="Desa Candimulyo")
    assert words["near"] in candimulyo.inner_text()  # 67% against 70% near 5
    assert words["on"] in scorecard.locator("tr", has_text="Desa Sumberejo").inner_text()  # 75%
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=shots() / f"targets-{lang}-{width}.png", full_page=True)

    # a target of 60% for the whole district: Candimulyo's row changes to on target
    page.select_option("select[name=indicator]", "participation")
    page.fill("input[name=goal]", "60")
    with page.expect_navigation():
        page.get_by_role("button", name=words["save"]).click()
    assert words["near"] not in page.locator("#scorecard tr", has_text="Desa Candimulyo").inner_text()
    assert words["on"] in page.locator("#scorecard tr", has_text="Desa Candimulyo").inner_text()
    page.goto(f"{live_server.url}/reports/areas/D/")
    page.locator("#scorecard").screenshot(path=shots() / f"scorecard-{lang}-{width}.png")
    page.locator("#attention").screenshot(path=shots() / f"attention-{lang}-{width}.png")
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_regency_coordinator_sorts_the_districts_in_place(
    live_server, browser, regency_coordinator, width  # noqa: F811
):
    """The same table on a regency's page: one row per district, sorted in place (htmx), with
    the status against the regency's target in words beside its colour."""
    from groups.models import Area, Target

    Target.objects.create(area=Area.objects.get(ref="R"), indicator="participation", goal=70, near=5)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", regency_coordinator.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/areas/R/")
    assert village_names(page) == ["Kecamatan Kertek", "Kecamatan Lain"]
    where = ".village-sorts" if width < 768 else "#villages thead"
    page.locator(f"{where} a[href$='?sort=people']").click()
    expect(page.locator("#villages tbody th a").first).to_have_text("Kecamatan Lain")  # 1 person, then 7
    assert page.url.endswith("/reports/areas/R/")  # swapped in place: no navigation
    assert "on target" in page.locator("#villages tr", has_text="Kecamatan Kertek").inner_text()
    assert "too few records" in page.locator("#villages tr", has_text="Kecamatan Lain").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=shots() / f"regency-{width}.png", full_page=True)
    assert not errors, errors
    context.close()
