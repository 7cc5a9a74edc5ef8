"""The report card in Debian's Chromium (Playwright): the facilitator opens it from the group's
report, on a phone (360 px) and a desktop, on screen and as printed, in both languages.

Screenshots go to the test's tmp directory, or to $REPORT_SCREENSHOTS when set, so a person
can look at them. The Content-Security-Policy is on: an inline script or style would show up
as a console error, and the test fails on console errors."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from groups.models import Area, Group
from groups.scores import reading, snapshots

from .factories import TEST_PASSWORD
from .test_group_card import NAMES, PHONE, carded  # noqa: F401  (the small world of the card)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": ("Key figures", "86% of 14 exchanges", "too few records (2)", "Our notes"),
    "id": ("Angka utama", "86% dari 14 pertukaran", "catatan terlalu sedikit (2)", "Catatan kami"),
}


def shots_dir(tmp_path) -> Path:
    target = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize(("width", "language"), [(360, "id"), (1280, "en")])
def test_facilitator_opens_the_card_from_the_group_report(
    live_server,
    browser,
    facilitator,
    carded,  # noqa: F811
    tmp_path,
    width,
    language,
):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    target = shots_dir(tmp_path)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", facilitator.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/reports/groups/G1/")
    page.click("a[href='/reports/groups/G1/card/']")
    page.wait_for_url("**/card/")
    page.goto(f"{page.url}?lang={language}")  # the card in this test's language
    card = page.locator("#report")
    text = card.inner_text()
    for expected in TEXTS[language]:
        assert expected in text
    for name in NAMES:
        assert not re.search(rf"\b{name}\b", page.content()), name
    assert PHONE not in page.content()
    assert page.locator("#report svg circle").count() == 4  # 3 members and the agency, unnamed
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    page.screenshot(path=str(target / f"card-{language}-{width}.png"), full_page=True)

    page.emulate_media(media="print")
    assert not page.locator(".card-tools").is_visible()  # only the card on paper
    assert page.locator(".card-notes .ruled").first.is_visible()
    page.screenshot(path=str(target / f"card-{language}-{width}-print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    (target / f"card-{language}-{width}-browser.pdf").write_bytes(pdf)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1  # the browser prints one A4
    assert not errors, errors
    context.close()


def test_every_demo_card_prints_on_one_a4_sheet(live_server, browser):
    """Printed from the browser (Chromium's print to PDF), each card of the demo community, in
    Indonesian (its longest words), is one A4 sheet with its notes' heading and ruled lines on
    it: the notes take what the rest of the card leaves (static/css/card.css)."""
    call_command("seed_demo", stdout=io.StringIO())  # today's demo: the card's last 12 months
    snapshots.compute_snapshot(reading.request_snapshot(Area.objects.get(ref="ID-JT-WSB-KTK")))
    # 703 px: the width of A4 inside its margins (186 mm), so the boxes measured are as printed
    context = browser.new_context(viewport={"width": 703, "height": 1020}, locale="id")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", "komunitas-demo-2026")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    refs = list(Group.objects.filter(area__parent__ref="ID-JT-WSB-KTK").values_list("ref", flat=True))
    assert "G-SIMPAN-PINJAM" in refs and len(refs) == 10
    for ref in refs:
        page.goto(f"{live_server.url}/reports/groups/{ref}/card/?lang=id")
        page.emulate_media(media="print")
        pdf = PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
        assert len(pdf) == 1, ref
        assert "Catatan kami" in pdf[0].extract_text(), ref
        lines = page.locator(".card-notes .ruled")
        shown = [box for box in (lines.nth(i).bounding_box() for i in range(lines.count())) if box]
        notes = page.locator(".card-notes").bounding_box()
        assert sum(box["y"] + box["height"] <= notes["y"] + notes["height"] for box in shown) >= 2, ref
        page.emulate_media(media="screen")
    context.close()
