"""The map of groups in Debian's Chromium (Playwright), with every request to another server
(the tile server) aborted, as in the field with no signal for tiles: a coordinator sees the
groups as dots over the village outlines, a dense spot as one numbered cluster, recolours the
dots by an indicator, and a dot opens the group's report. Screenshots at 360 px and 1280 px
in English and Indonesian go to $REPORT_SCREENSHOTS (or the test's tmp directory)."""

import copy
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from communitymap.settings import tile_origin
from groups import maps
from groups.models import GroupKind, GroupScore
from groups.scores import reading, snapshots

from . import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTSIDE = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")
OUTLINE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"nama": "Desa Sumberejo"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[109.95, -7.39], [109.965, -7.39], [109.965, -7.375], [109.95, -7.375], [109.95, -7.39]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"nama": "Desa Candimulyo"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[109.965, -7.40], [109.98, -7.40], [109.98, -7.385], [109.965, -7.385], [109.965, -7.40]]
                ],
            },
        },
    ],
}


@pytest.fixture
def tiles(settings):
    """OpenStreetMap's tiles, as in production: the page asks for them and the CSP allows them."""
    settings.MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], *tile_origin(settings.MAP_TILE_URL)]
    settings.CONTENT_SECURITY_POLICY = policy


@pytest.fixture
def mapped(world, coordinator, tiles):
    """G1 and G2 far apart; ten more groups of V1 within a few metres of each other (a
    cluster); one group without a position; the district's village outlines loaded."""
    import json

    world.group.latitude, world.group.longitude = Decimal("-7.3790"), Decimal("109.9520")
    world.group.save()
    world.group2.latitude, world.group2.longitude = Decimal("-7.3950"), Decimal("109.9750")
    world.group2.save()
    for n in range(10):
        f.GroupFactory(
            ref=f"G-RT-{n}",
            name=f"Dasawisma {n}",
            kind=GroupKind.WOMEN,
            area=world.village,
            latitude=Decimal("-7.3850") + Decimal(n) / 100000,
            longitude=Decimal("109.9600"),
        )
    f.GroupFactory(ref="G-NOPOS", name="Ronda Malam", kind=GroupKind.NEIGHBOURHOOD, area=world.village2)
    maps.load_outlines(area=world.district, raw=json.dumps(OUTLINE).encode())
    # Participation set by hand in the district's computed snapshot: G1 0.8 over 4 activities,
    # G2 0.2 over 1 (too few: 3 needed), Dasawisma n 0.30 + 0.05 n over 3. Median of the
    # eleven with enough records (0.30 ... 0.75, 0.80): 0.55; G1 is above it.
    snapshot = snapshots.compute_snapshot(reading.request_snapshot(world.district))
    rows = GroupScore.objects.filter(snapshot=snapshot)
    rows.filter(group=world.group).update(participation=0.8, bases={"participation": 4})
    rows.filter(group=world.group2).update(participation=0.2, bases={"participation": 1})
    for n in range(10):
        rows.filter(group__ref=f"G-RT-{n}").update(participation=0.30 + 0.05 * n, bases={"participation": 3})
    return world


def shots_dir(tmp_path) -> Path:
    target = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def open_map(browser, live_server, width: int, language: str):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    blocked, errors = [], []
    page.route(OUTSIDE, lambda route: (blocked.append(route.request.url), route.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", f.TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/areas/D/")
    page.wait_for_selector("#group-map[data-map-ready]")
    # Leaflet asks for its tiles as it lays the map out, which may end after the dots are
    # ready; the handler above sees each request only while Playwright is being waited on.
    for _ in range(200):  # 10 s at most
        if blocked:
            break
        page.wait_for_timeout(50)
    return page, blocked, errors


@pytest.mark.parametrize("width", [360, 1280])
def test_coordinator_sees_the_map_without_tiles_and_opens_a_group(
    live_server, mapped, browser, tmp_path, width
):
    target = shots_dir(tmp_path)
    for language, heading in [("id", "Peta kelompok"), ("en", "Map of groups")]:
        page, blocked, errors = open_map(browser, live_server, width, language)
        assert page.locator("#map-title").inner_text() == heading
        assert page.locator("#group-map").get_attribute("data-map-ready") == "12"
        assert blocked and all(
            "tile.openstreetmap.org" in url for url in blocked
        )  # tiles were asked for, and failed
        # two lone dots and one cluster of the ten close together, over two village outlines
        assert page.locator(".leaflet-marker-icon.map-marker").count() == 2
        assert page.locator(".marker-cluster").inner_text().strip() == "10"
        # the outlines come by a fetch of their own, which may end after the dots' (map-ready)
        expect(page.locator("path.map-outline")).to_have_count(2)
        assert "Ronda Malam" in page.locator(".map-aside").inner_text()
        assert page.locator("[data-map-table]").get_attribute("open") is None  # the map stands for it
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#group-map").scroll_into_view_if_needed()
        page.screenshot(path=str(target / f"map-{language}-{width}.png"), full_page=False)
        real_errors = [e for e in errors if "ERR_FAILED" not in e and "Failed to load resource" not in e]
        assert not real_errors, real_errors
        if language == "en":
            break
        page.context.close()

    # recolour by participation: each colour said in words in the legend, the median with its value
    page.select_option("[data-map-colour]", "participation")
    legend = page.locator("[data-map-legend] li").all_inner_texts()
    for words in ("Too few records (1)", "Median: 55%"):
        assert words in legend, legend
    assert page.locator('.map-marker.band-higher[title="Arisan RT 03"]').count() == 1
    assert page.locator('.map-marker.band-few[title="Karang Taruna"]').count() == 1
    page.locator('.map-marker[title="Karang Taruna"]').hover()
    assert "too few records (1)" in page.locator(".leaflet-tooltip").inner_text()
    page.screenshot(path=str(target / f"map-indicator-{width}.png"), full_page=False)

    tap_dot(page, "Karang Taruna", "**/reports/groups/G2/")
    assert "Karang Taruna" in page.locator("h1").inner_text()
    page.context.close()


def test_without_script_the_table_lists_the_groups(live_server, mapped, browser):
    context = browser.new_context(
        java_script_enabled=False, locale="en", extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", f.TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/reports/areas/D/")
    table = page.locator("[data-map-table] table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 12
    assert not page.locator("#group-map").is_visible()
    context.close()


def sign_in(browser, live_server, username: str, width: int, **options):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="en",
        extra_http_headers={"Accept-Language": "en"},
        **options,
    )
    page = context.new_page()
    page.route(OUTSIDE, lambda route: route.abort())
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page, errors


@pytest.mark.parametrize("width", [360, 1280])
def test_facilitator_taps_the_map_to_set_a_groups_position(
    live_server, world, facilitator, tiles, browser, tmp_path, width
):
    """G1 is at -7.3790, 109.9520: the picker opens there (zoom 16) with its dot; a tap to the
    right of the middle moves the dot east (a larger longitude, the same latitude) and fills in
    both fields; saving stores exactly what the fields say."""
    from django.urls import reverse

    world.group.latitude, world.group.longitude = Decimal("-7.3790"), Decimal("109.9520")
    world.group.save()
    page, errors = sign_in(browser, live_server, facilitator.username, width)
    page.goto(live_server.url + reverse("groups:group_edit", args=["G1"]))
    canvas = page.locator("[data-position-canvas].leaflet-container")
    canvas.wait_for()
    assert page.locator(".position-marker").count() == 1
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] / 2 + 60, "y": box["height"] / 2})
    latitude = float(page.input_value("input[name=latitude]"))
    longitude = float(page.input_value("input[name=longitude]"))
    assert abs(latitude - -7.379) < 0.0001 and 109.9521 < longitude < 109.9560
    assert "Position set from the map." in page.locator("[data-position-said]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator(".position-picker").scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir(tmp_path) / f"position-picker-{width}.png"), full_page=False)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    world.group.refresh_from_db()
    assert (float(world.group.latitude), float(world.group.longitude)) == (latitude, longitude)
    assert not errors, errors
    page.context.close()


def test_without_script_the_position_is_typed(live_server, world, facilitator, browser):
    from django.urls import reverse

    page, _errors = sign_in(browser, live_server, facilitator.username, 360, java_script_enabled=False)
    page.goto(live_server.url + reverse("groups:group_edit", args=["G1"]))
    assert not page.locator("[data-position-picker]").is_visible()
    page.fill("input[name=latitude]", "-7.38")
    page.fill("input[name=longitude]", "109.96")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    world.group.refresh_from_db()
    assert (world.group.latitude, world.group.longitude) == (Decimal("-7.38"), Decimal("109.96"))
    page.context.close()


def tap_dot(page, title: str, opens: str, tries: int = 4) -> None:
    """Tap a group's dot as a person would: once the map is at rest, and again if the map was
    still moving (Leaflet ignores a tap during its zoom or pan animation, which a late
    fitBounds can start just after the map looked still). Fails if no tap opens `opens`."""
    dot = page.locator(f'.leaflet-marker-icon.map-marker[title="{title}"]')
    for _ in range(tries):
        page.wait_for_function("() => !document.querySelector('#group-map.leaflet-zoom-anim')")
        dot.click()
        try:
            page.wait_for_url(opens, timeout=5000)
            return
        except PlaywrightTimeoutError:
            continue
    pytest.fail(f"{tries} taps on the dot of {title} did not open {opens}")


def test_the_map_starts_again_after_back(live_server, mapped, browser):
    """The report filters swap the report and push the address; on Back htmx asks for the page
    again (a live map is kept out of its history copy, which would hold a lifeless map and lose
    its settings): the map starts again, with its dots and cluster, no error, and a dot still
    opens its group's report."""
    page, _blocked, errors = open_map(browser, live_server, 1280, "en")
    page.click("#report form button[type=submit]")
    page.wait_for_url("**/reports/areas/D/?*")
    page.go_back()
    page.wait_for_url("**/reports/areas/D/")
    page.wait_for_function(
        "() => { const c = document.getElementById('group-map');"
        " return c && c._leaflet_id && c.querySelectorAll('.map-marker').length === 2; }"
    )
    assert page.locator(".marker-cluster").inner_text().strip() == "10"
    assert page.locator(".leaflet-control-zoom").count() == 1  # one live map, not a copy beside it
    tap_dot(page, "Karang Taruna", "**/reports/groups/G2/")
    real_errors = [e for e in errors if "ERR_FAILED" not in e and "Failed to load resource" not in e]
    assert not real_errors, real_errors
    page.context.close()
