"""Forms that answer and send once, in Debian's Chromium (Playwright): "Register the group"
shows a busy state while it is sent, a translated message when the server fails or cannot be
reached (entries kept, nothing saved), and a double click registers one group."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from groups.models import AreaLevel, Assignment, Group, StaffRole

from . import factories as f
from .test_browser_flows import PHONE

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GROUP = "Kelompok Tani Subur"


@pytest.fixture
def page(live_server, browser):
    district = f.AreaFactory(ref="BF-D", name="Kecamatan Kertek", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="BF-V", name="Desa Sumberejo", parent=district)
    user = f.UserFactory(username="pendamping")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=village)
    # the one headless Chromium of tests/conftest.py
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "pendamping")
    page.fill("input[name=password]", f.TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/groups/new/")
    yield page
    context.close()


def shots_dir() -> Path:
    target = Path(os.environ.get("BROWSER_SHOTS") or Path(tempfile.gettempdir()) / "browser_shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def fill_group(page):
    page.fill("input[name=name]", GROUP)
    page.select_option("select[name=kind]", "farmers")
    page.select_option("select[name=area]", label="Desa Sumberejo")
    page.select_option("select[name=how_formed]", "spontaneous")


def watch_busy(page):
    """Record, at the moment the request leaves, whether the form shows it is busy."""
    page.evaluate(
        """() => document.body.addEventListener("htmx:beforeSend", (event) => {
             const form = event.detail.elt.closest("form");
             window.busySeen = {
               disabled: [...form.querySelectorAll("button")].every((b) => b.disabled),
               status: (form.querySelector(".form-status") || {}).textContent || "",
               ariaBusy: form.getAttribute("aria-busy"),
             };
           })"""
    )


def test_a_server_error_is_shown_and_the_entries_are_kept(page):
    fill_group(page)
    watch_busy(page)
    page.route(re.compile(r".*/groups/new/$"), lambda route: route.fulfill(status=503, body="down")
               if route.request.method == "POST" else route.continue_())
    page.click("main form button:text-is('Register the group')")
    alert = page.locator("main form .form-status-error[role=alert]")
    alert.wait_for()
    assert page.evaluate("window.busySeen") == {
        "disabled": True, "status": "Sending… please wait.", "ariaBusy": "true"
    }
    assert alert.inner_text() == (
        "The server could not do this (error 503). Nothing was saved; your entries are still here. "
        "Try again in a moment."
    )
    assert page.input_value("input[name=name]") == GROUP  # what was typed is still there
    page.screenshot(path=str(shots_dir() / "forms-error-360.png"), full_page=True)
    assert page.locator("main form button:text-is('Register the group')").is_enabled()
    assert not Group.objects.exists()
    assert page.errors == []


def test_no_network_is_shown_in_indonesian(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "id", "url": live_server.url}])
    page.reload()
    fill_group(page)
    page.route(re.compile(r".*/groups/new/$"), lambda route: route.abort()
               if route.request.method == "POST" else route.continue_())
    page.click("main form button[type=submit]")
    alert = page.locator("main form .form-status-error")
    alert.wait_for()
    assert alert.inner_text().startswith("Server tidak dapat dihubungi. Belum ada yang tersimpan")
    assert not Group.objects.exists()


def test_a_double_click_registers_one_group(page):
    fill_group(page)
    page.dblclick("main form button:text-is('Register the group')")
    page.wait_for_url(re.compile(r"/groups/(?!new/)[^/]+/$"))
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == GROUP
    assert Group.objects.filter(name=GROUP).count() == 1
    assert page.errors == []


# Django's live server shares one connection among its threads on the in-memory SQLite test
# database, so two requests at once cannot be isolated there; the PostgreSQL pass runs it.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: real parallel requests")
def test_the_same_form_sent_again_by_the_server_twice_saves_once(page):
    """Even when the browser's guard is bypassed (two posts of one rendered form), one group."""
    fill_group(page)
    page.evaluate(
        """() => {
             const form = document.querySelector("main form");
             const data = new FormData(form);
             const headers = {"X-CSRFToken": data.get("csrfmiddlewaretoken")};
             return Promise.all([1, 2].map(() =>
               fetch(form.action, {method: "POST", body: data, headers, redirect: "manual"})));
           }"""
    )
    assert Group.objects.filter(name=GROUP).count() == 1


def test_a_possible_duplicate_is_shown_before_registering(page, live_server):
    """The warning comes back through htmx; "a different person" (the clicked button) goes
    with the post and registers them. Screenshot: $BROWSER_SHOTS or /tmp/browser_shots."""
    from groups.models import Area, Person

    village = Area.objects.get(ref="BF-V")
    f.PersonFactory(ref="BF-SRI", full_name="Sri Handayani", area=village, birth_year=1962)
    group = f.GroupFactory(ref="BF-G", name="Arisan Melati", area=village)
    page.goto(f"{live_server.url}/groups/{group.ref}/members/new/?q=Sry+Handajani")
    assert page.input_value("select[name=area]") == str(village.pk)  # the group's village
    page.check("input[name=consent_given]")
    page.click("main form button:text-is('Register and add to the group')")
    warning = page.locator("main form section.duplicates")
    warning.wait_for()
    assert "Sri Handayani" in warning.inner_text() and "born 1962" in warning.inner_text()
    page.screenshot(path=str(shots_dir() / "forms-duplicates-360.png"), full_page=True)
    assert not Person.objects.filter(full_name="Sry Handajani").exists()
    page.click("main form button:text-is('A different person: register them')")
    page.wait_for_url(f"{live_server.url}/groups/{group.ref}/")
    assert Person.objects.filter(full_name="Sry Handajani").count() == 1
    assert page.errors == []
