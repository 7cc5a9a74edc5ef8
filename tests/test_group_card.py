"""A group's report card: the A4 page, its PDF and its share image.

A small world whose figures are counted by hand: group G1 (Sri, Siti, Budi) with 12 exchanges
among the members (4 money Sri -> Siti, 4 knowledge Siti -> Budi, 4 labour Budi -> Sri) and 2
money from a government agency to Sri: 14 exchanges touch the members; knowledge is 4 of them
(29%); of the 14 received, 2 came from an authority (self-reliance 12/14 = 86%); two meetings
with attendance (participation rests on too few: 2 < 3); two norms rated 4 and 3 (3.5).
"""

import dataclasses
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from groups.models import NormReview, Resource
from groups.scores import reading, sentences, snapshots

from . import factories as f
from .conftest import Several, build_world, share

TODAY = timezone.localdate()
RECENT = TODAY - dt.timedelta(days=40)
PHONE = "081234567890"
NAMES = ("Sri Handayani", "Siti Maryati", "Budi Santoso", "Sri", "Siti", "Budi", "Handayani", "Maryati")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def carded(world, _shared):
    return _shared.get("carded", lambda: build_carded(world))


def build_shared_carded() -> Several:
    world = build_carded(build_world())
    return Several(world=world, carded=world)


share("carded", build_shared_carded, __name__)  # built and scored once for this module


def build_carded(world):
    sri, siti = world.member_person, world.member2_person
    sri.phone = PHONE
    sri.save()
    budi = f.PersonFactory(ref="P-BUDI", full_name="Budi Santoso", area=world.village, phone="08987654321")
    f.MembershipFactory(person=budi, group=world.group)
    agency = f.ActorFactory(ref="A-DINAS", name="Dinas Sosial", area=world.district)
    for giver, receiver, resource in [(sri, siti, Resource.MONEY), (siti, budi, Resource.KNOWLEDGE),
                                      (budi, sri, Resource.LABOUR)]:  # fmt: skip
        for _ in range(4):
            f.ExchangeFactory(giver_person=giver, receiver_person=receiver, resource=resource, date=RECENT)
    for _ in range(2):
        f.ExchangeFactory(giver_person=None, giver_actor=agency, receiver_person=sri, date=RECENT)
    for attendees in ([sri, siti, budi], [sri]):
        f.ActivityFactory(group=world.group, date=RECENT).attendees.set(attendees)
    for rating, statement in [(4, "Setoran tiap bulan."), (3, "Datang tepat waktu.")]:
        norm = f.NormFactory(group=world.group, statement=statement)
        NormReview.objects.create(norm=norm, reviewed_on=RECENT, rating=rating)
    snapshots.compute_snapshot(reading.request_snapshot(world.district))
    return world


def card_url(name="group_card", ref="G1", lang=""):
    url = reverse(f"groups:{name}", args=[ref])
    return f"{url}?lang={lang}" if lang else url


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # lines wrap anywhere


def ruled_lines(page) -> int:
    """The notes' ruled lines on a PDF page: strokes from margin to margin (12 mm = 34.02 pt
    to 198 mm = 561.26 pt) at one height."""
    content = page.get_contents().get_data().decode("latin-1")
    return len(re.findall(r"^34\.02 ([\d.]+) m 561\.26 \1 l S$", content, re.MULTILINE))


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_names_nobody(text: str):
    for name in NAMES:
        assert not re.search(rf"\b{name}\b", text), name
    assert PHONE not in text and "08987654321" not in text


EXPECTED = {
    "en": ("29% of 14 exchanges", "86% of 14 exchanges", "3.5 from 2 reviewed norms", "too few records (2)"),
    "id": (
        "29% dari 14 pertukaran",
        "86% dari 14 pertukaran",
        "3,5 dari 2 norma yang ditinjau",
        "catatan terlalu sedikit (2)",
    ),  # fmt: skip
}


def hand_sentences(language: str) -> list[str]:
    with translation.override(language):
        return [
            sentences.group_learning(4 / 14, {"learning_share": 14}),
            sentences.group_norms(2, 3.5),
        ]


@pytest.mark.parametrize("language", ["en", "id"])
def test_pdf_has_the_sentences_and_figures_and_names_nobody(client, facilitator, carded, language):
    client.force_login(facilitator)
    response = client.get(card_url("group_card_pdf", lang=language))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1  # one A4 sheet
    assert round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 210
    text = pdf_text(response.content)
    assert "Arisan RT 03" in text
    for figure in EXPECTED[language]:
        assert figure in text
    for sentence in hand_sentences(language):
        assert sentence and flat(sentence) in text
    assert "Setoran tiap bulan." in text and "Datang tepat waktu." in text
    assert_names_nobody(text)
    with translation.override(language):
        quarters, notes = translation.gettext("The last four quarters"), translation.gettext("Our notes")
    assert notes in text
    table = text.split(quarters)[1].split(notes)[0]
    assert " 14 " in table  # all 14 exchanges fell in one quarter


@pytest.mark.parametrize("language", ["en", "id"])
def test_share_image_is_a_small_square_png(client, coordinator, carded, language):
    client.force_login(coordinator)
    response = client.get(card_url("group_card_png", lang=language))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(response.content) < 200 * 1024
    image = Image.open(io.BytesIO(response.content))
    image.verify()
    assert image.size == (1080, 1080)


@pytest.mark.parametrize("language", ["en", "id"])
def test_html_card_shows_the_figures_and_names_nobody(client, facilitator, carded, language):
    client.force_login(facilitator)
    response = client.get(card_url(lang=language))
    assert response.status_code == 200
    html = response.content.decode()
    page = flat(unescape(re.sub(r"<[^>]+>", " ", html)))
    for figure in EXPECTED[language]:
        assert figure in page
    for sentence in hand_sentences(language):
        assert flat(sentence) in page
    assert_names_nobody(html)
    assert 'class="ruled"' in html
    assert card_url("group_card_pdf", lang=language) in html
    assert "P-BUDI" not in html and "P-MEMBER" not in html  # the picture's nodes are numbered


def test_card_defaults_to_the_site_language_and_ignores_an_unknown_one(client, facilitator, carded):
    client.force_login(facilitator)
    for url in (card_url(), card_url(lang="xx")):
        assert "29% dari 14 pertukaran" in client.get(url).content.decode()


def test_group_report_links_to_the_card(client, facilitator, carded):
    client.force_login(facilitator)
    html = client.get(reverse("groups:report_group", args=["G1"])).content.decode()
    assert f'href="{card_url()}"' in html


def test_htmx_gets_the_card_only(client, facilitator, carded):
    client.force_login(facilitator)
    html = client.get(card_url(lang="en"), **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="report"')
    assert "29% of 14 exchanges" in html


def test_without_a_snapshot_each_door_says_the_card_is_not_ready(client, facilitator, world):
    client.force_login(facilitator)
    html = client.get(card_url(lang="id"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The scores are being computed" in html  # told to the reader, in the reader's language
    pdf = client.get(card_url("group_card_pdf", lang="en"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "There is no report card yet" in pdf_text(pdf.content)
    png = client.get(card_url("group_card_png", lang="id"))
    assert png.status_code == 200
    assert Image.open(io.BytesIO(png.content)).size == (1080, 1080)


@pytest.mark.parametrize("name", ["group_card", "group_card_pdf", "group_card_png"])
def test_access_as_for_the_group_report(client, carded, member, other_facilitator, coordinator, name):
    url = card_url(name)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(other_facilitator)
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    assert client.post(url).status_code == 405
    assert client.get(url).status_code == 200


def test_the_sheet_pdf_still_prints_names_with_the_shared_font(client, facilitator, world):
    """The meeting sheet and the card share groups/fonts.py: names print in full."""
    client.force_login(facilitator)
    response = client.get(reverse("groups:exchange_sheet_pdf", args=["G1"]))
    assert "Sri Handayani" in pdf_text(response.content)


def test_card_queries_do_not_grow_with_the_members(client, facilitator, carded):
    client.force_login(facilitator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(card_url(lang="en")).status_code == 200
        return len(queries)

    before = count()
    for n in range(6):
        person = f.PersonFactory(area=carded.village)
        f.MembershipFactory(person=person, group=carded.group)
        f.ExchangeFactory(giver_person=person, receiver_person=carded.member_person, date=RECENT)
        norm = f.NormFactory(group=carded.group, statement=f"Norma {n}")
        NormReview.objects.create(norm=norm, reviewed_on=RECENT, rating=3)
    snapshots.compute_snapshot(reading.request_snapshot(carded.district))
    assert count() <= before


READER_WORDS = {  # the menu, a download and the language switch
    "en": ("Log out", "Download as PDF (A4)", "Language of the card:"),
    "id": ("Keluar", "Unduh sebagai PDF (A4)", "Bahasa rapor:"),
}
CARD_WORDS = {"en": ("Key figures", "Our notes"), "id": ("Angka utama", "Catatan kami")}


@pytest.mark.parametrize(("reader", "card"), [("en", "id"), ("id", "en")])
def test_only_the_card_is_in_its_language_the_page_around_it_in_the_readers(
    client, facilitator, carded, reader, card
):
    menu, card_words = READER_WORDS[reader], CARD_WORDS[card]
    client.force_login(facilitator)
    response = client.get(card_url(lang=card), HTTP_ACCEPT_LANGUAGE=reader)
    html = response.content.decode()
    before, report = html.split('<div id="report"', 1)
    assert f'<html lang="{reader}"' in html
    for words in menu:  # the menu, the crumb, the downloads and the language switch
        assert words in before, words
    for words in card_words:
        assert words in report, words
    assert f'lang="{card}"' in report.split(">", 1)[0]
    fragment = client.get(card_url(lang=card), HTTP_ACCEPT_LANGUAGE=reader, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<div id="report"') and card_words[0] in fragment


def test_a_card_too_long_for_the_roomy_layout_is_tightened_to_one_page(carded):
    """Eight long sentences and six long norms leave no room for notes in the roomy layout: the
    tighter one keeps the card, notes included, on one sheet."""
    from groups import card_files
    from groups.scores.pages.card import Norm, group_card

    with translation.override("id"):
        card = group_card(carded.group, reading.read(carded.district.pk, group=carded.group).row)
    sentence = "Kalimat yang panjang tentang kelompok ini, " * 5  # 215 characters: the longest is 180
    norm = Norm("Aturan kelompok yang panjang dan dijelaskan dengan rinci. " * 2, 4, RECENT, False)
    long_card = dataclasses.replace(card, sentences=(sentence,) * 8, norms=(norm,) * 6)
    roomy = card_files._card_page(long_card, card_files.LAYOUTS[0])
    assert roomy.page_no() > 1 or card_files._note_lines(roomy) < card_files.NOTES_LEAST
    page = PdfReader(io.BytesIO(card_files.card_pdf(long_card))).pages
    assert len(page) == 1
    assert ruled_lines(page[0]) >= card_files.NOTES_LEAST
