"""Printed pages as PDF (fpdf2): PrintPDF, the setup they share, and the meeting sheet on
paper: A4, the members numbered, the group's usual actors as A1, A2..., the resource letters,
and empty rows to fill in by hand. The numbers are the ones the quick entry of the sheet page
reads ("12 7 k 5000"), from the same SheetKey.

fpdf2 is pure Python (no system libraries to install), well kept (py-pdf), and has tables.
The font is groups/fonts.py's (DejaVu Sans when the system has it, so any name prints).
"""

from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import FontFace

from groups.fonts import pdf_text, unicode_font
from groups.forms.sheet import SheetKey

EMPTY_ROWS = 20


@dataclass(frozen=True)
class Words:
    """The sheet's words, translated by the caller (this module knows no language)."""

    title: str
    subtitle: str
    date_line: str
    members: str
    actors: str
    resources: str
    headings: tuple[str, ...]  # number, giver, receiver, resource, amount, note


class PrintPDF(FPDF):
    """An A4 page in DejaVu Sans when the system has it (any name prints), else Helvetica:
    the setup every printed page shares (the meeting sheet, the scorecard)."""

    def __init__(self, orientation: str = "P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=12)
        self.sheet_font = unicode_font(self, "Sheet")

    def text_of(self, text: str) -> str:
        return pdf_text(self.sheet_font, text)

    def title_page(self, title: str) -> None:
        """Open the first page with the title in large bold type (the body text follows at 9 pt)."""
        self.set_title(title)
        self.add_page()
        self.set_font(self.sheet_font, "B", 15)
        self.cell(0, 8, self.text_of(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.sheet_font, "", 9)

    def heading(self, text: str, size: float = 11):
        self.set_font(self.sheet_font, "B", size)
        self.cell(0, 7, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.sheet_font, "", 9)


class SheetPDF(PrintPDF):
    def columns(self, entries, per_row: int = 3):
        """Code and name in `per_row` columns."""
        if not entries:
            return
        with self.table(
            col_widths=(8, 52) * per_row, first_row_as_headings=False, line_height=5.5,
            borders_layout="NONE", text_align="LEFT",
        ) as table:
            for start in range(0, len(entries), per_row):
                row = table.row()
                chunk = entries[start : start + per_row]
                for entry in chunk:
                    row.cell(self.text_of(entry.code), style=FontFace(emphasis="BOLD"))
                    row.cell(self.text_of(entry.label))
                for _missing in range(per_row - len(chunk)):
                    row.cell("")
                    row.cell("")
        self.ln(2)


def sheet_pdf(*, key: SheetKey, words: Words, empty_rows: int = EMPTY_ROWS) -> bytes:
    pdf = SheetPDF()
    pdf.title_page(words.title)
    pdf.multi_cell(0, 5, pdf.text_of(words.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(pdf.sheet_font, "", 11)
    pdf.cell(0, 8, pdf.text_of(words.date_line), new_x="LMARGIN", new_y="NEXT")
    pdf.heading(words.members)
    pdf.columns(key.members)
    if key.actors:
        pdf.heading(words.actors)
        pdf.columns(key.actors, per_row=2)
    pdf.heading(words.resources)
    pdf.columns(key.resources, per_row=3)
    pdf.set_font(pdf.sheet_font, "", 10)
    with pdf.table(
        col_widths=(8, 22, 22, 20, 30, 84), line_height=8, text_align="CENTER",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 238, 235)),
    ) as table:
        heading = table.row()
        for text in words.headings:
            heading.cell(pdf.text_of(text))
        for number in range(1, empty_rows + 1):
            row = table.row()
            row.cell(str(number))
            for _blank in words.headings[1:]:
                row.cell("")
    return bytes(pdf.output())
