"""Paper that comes back, in Debian's Chromium: the printable sheet prints on A4 (Chromium's
own print to PDF, with the print stylesheet), and the quick entry on the meeting sheet reads
"2 1 k 5000" as the printed numbers say, shows the names before anything is saved, and the
saved sheet holds what the paper says."""

import os
import re

import pytest

from groups.models import Exchange, ExchangeStatus, Resource

from .test_browser_forms import shots_dir
from .test_browser_offline import Phone

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(live_server, browser):
    device = Phone(browser, live_server.url)
    yield device
    device.context.close()


def test_the_printable_sheet_prints_on_one_a4_page(transactional_db, phone, world, facilitator):
    phone.login("fasilitator")
    phone.open("/groups/G1/sheet/print/")
    page = phone.page
    numbers = page.locator("#paper-members li").all_inner_texts()
    assert numbers == ["1 Siti Maryati", "2 Sri Handayani"]
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (shots_dir() / "sheet-print-a4.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert len(boxes) == 1  # one page
    width, height = (float(n) for n in boxes[0])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_the_quick_entry_saves_what_the_paper_says(transactional_db, phone, world, facilitator):
    phone.login("fasilitator")
    phone.open("/groups/G1/sheet/")
    page = phone.page
    read = page.locator("#quick-read")
    page.fill("#quick-line", "2 9 k")
    assert read.inner_text() == "No member or actor has the number 9 on this sheet."
    page.fill("#quick-line", "2 1 k 5000")  # Sri gave Siti knowledge worth 5,000
    assert read.inner_text() == "Sri Handayani → Siti Maryati · Knowledge or skills · 5000"
    assert not Exchange.objects.exists()  # shown, not saved
    page.press("#quick-line", "Enter")
    assert read.inner_text().startswith("Added as row 1: Sri Handayani → Siti Maryati")
    assert page.locator("#id_rows-0-giver").input_value() == "person:P-MEMBER"
    assert page.locator("#id_rows-0-amount").input_value() == "5000"
    page.fill("#quick-line", "1 2 w")
    page.click("#quick-add")
    assert page.locator("#id_rows-1-resource").input_value() == "labour"
    page.screenshot(path=str(shots_dir() / "sheet-quick-entry-360.png"), full_page=True)
    page.click("button:text-is('Save all as confirmed')")
    page.wait_for_url(lambda url: url.endswith("/groups/G1/"))
    saved = {
        (x.giver_person.full_name, x.receiver_person.full_name, x.resource, x.amount)
        for x in Exchange.objects.filter(status=ExchangeStatus.CONFIRMED)
    }
    assert saved == {
        ("Sri Handayani", "Siti Maryati", Resource.KNOWLEDGE, 5000),
        ("Siti Maryati", "Sri Handayani", Resource.LABOUR, None),
    }
    assert phone.errors == []
