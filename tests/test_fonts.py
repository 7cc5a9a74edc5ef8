"""groups/fonts.py: a PDF whose font comes from the face read once per process is, byte for
byte, the PDF fpdf2's own add_font makes, however many PDFs came before it."""

import datetime as dt
import io

from fpdf import FPDF
from pypdf import PdfReader

from groups.fonts import BOLD, REGULAR, unicode_font

# Each a different set of glyphs: a PDF must carry exactly its own (the subset of the font).
TEXTS = (
    "Sri Handayani menerima Rp 50.000",
    "Ŝiti Ñur Ğül – Ωmega жизнь ✓ “quoted” …",
    "Kelompok Tani Makmur 2026: 12 anggota",
    "中 is not in DejaVu Sans (a missing glyph)",
)


def pdf_bytes(text: str, register) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC))
    family = register(pdf)
    pdf.add_page()
    pdf.set_font(family, "", 11)
    pdf.multi_cell(0, 6, text)
    pdf.set_font(family, "B", 15)
    pdf.cell(0, 8, text.upper())
    return bytes(pdf.output())


def by_add_font(pdf: FPDF) -> str:
    pdf.add_font("Sheet", "", str(REGULAR))
    pdf.add_font("Sheet", "B", str(BOLD))
    return "Sheet"


def by_unicode_font(pdf: FPDF) -> str:
    return unicode_font(pdf, "Sheet")


def test_every_pdf_is_the_one_add_font_makes():
    for _round in range(2):
        for text in TEXTS:
            assert pdf_bytes(text, by_unicode_font) == pdf_bytes(text, by_add_font), text


def test_the_text_reads_back_in_dejavu():
    reader = PdfReader(io.BytesIO(pdf_bytes(TEXTS[1], by_unicode_font)))
    page = reader.pages[0]
    assert "Ŝiti Ñur Ğül" in page.extract_text()
    fonts = {font["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
    assert fonts == {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"}, fonts
