"""Paper that comes back: the printable meeting sheet (A4 page and PDF) numbers the members in
the sheet's order, gives the group's usual actors and the resource letters in the user's
language; the sheet page carries the same numbers for the quick entry ("12 7 k 5000")."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from groups.forms.sheet import RESOURCE_CODES
from groups.models import Resource

from . import factories as f

PRINT = "/groups/G1/sheet/print/"
PDF = "/groups/G1/sheet/print.pdf"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize("language", ["en", "id"])
def test_each_languages_resource_letters_differ_and_are_single_letters(language):
    with translation.override(language):
        codes = [str(RESOURCE_CODES[r]) for r in Resource]
    assert len(set(codes)) == len(Resource)
    assert all(re.fullmatch(r"[a-z]", code) for code in codes), codes


def test_the_printed_sheet_numbers_the_members_in_the_sheets_order(client, facilitator, world):
    client.force_login(facilitator)
    html = client.get(PRINT).content.decode()
    members = re.findall(r"<li><b>(\d+)</b> ([^<]+)</li>", html)
    assert members == [("1", "Siti Maryati"), ("2", "Sri Handayani")]  # by name, as on the sheet
    assert "<b>k</b> Knowledge or skills" in html
    assert html.count("<tr><td>") == 20  # empty rows to fill in by hand
    assert "/static/css/print.css" in html
    assert reverse("groups:exchange_sheet_pdf", args=["G1"]) in html


def test_the_printed_sheet_in_indonesian_has_indonesian_letters(client, facilitator, world):
    client.force_login(facilitator)
    html = client.get(PRINT, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "<b>u</b> Uang (pemberian atau iuran)" in html
    assert "<b>t</b> Tenaga" in html
    assert "Lembar pertemuan Arisan RT 03" in html


def test_the_group_usual_actors_are_listed_as_a1_a2(client, facilitator, world):
    usual = f.ActorFactory(ref="A-KOP", name="Koperasi Maju", area=world.village)
    f.ActorFactory(ref="A-FAR", name="Bank Jauh", area=world.village)  # never with this group
    f.ExchangeFactory(
        giver_actor=usual, giver_person=None, receiver_person=world.member_person, group=world.group
    )
    client.force_login(facilitator)
    html = client.get(PRINT).content.decode()
    assert "<b>A1</b> Koperasi Maju" in html
    assert "Bank Jauh" not in html


def test_the_pdf_is_one_a4_page(client, facilitator, world):
    client.force_login(facilitator)
    response = client.get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="sheet-G1.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert re.findall(rb"/MediaBox \[0 0 (\S+) (\S+)\]", pdf) == [(b"595.28", b"841.89")]  # A4 in points


def test_the_sheet_page_carries_the_same_numbers_for_the_quick_entry(client, facilitator, world):
    client.force_login(facilitator)
    html = client.get("/groups/G1/sheet/").content.decode()
    assert 'data-code="1" data-party="person:P-MEMBER2" data-label="Siti Maryati"' in html
    assert 'data-code="2" data-party="person:P-MEMBER" data-label="Sri Handayani"' in html
    assert 'data-code="k" data-resource="knowledge"' in html
    assert "/static/js/sheet.js" in html


def test_only_those_who_fill_the_sheet_may_print_it(client, member, other_facilitator, world):
    client.force_login(member)
    assert client.get(PRINT).status_code == 403
    assert client.get(PDF).status_code == 403
    client.force_login(other_facilitator)
    assert client.get(PRINT).status_code == 404
    assert client.get(PDF).status_code == 404
    assert client.post(PRINT).status_code == 405
