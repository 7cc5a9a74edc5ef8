"""The scorecard on paper, as a PDF for a donor's or the Dinas' report: A4 landscape, the
targets in force, then one row per area and group with each judged value in words, on a
light fill of its status's colour (the words carry it; the colour only helps). Rows are
areas and groups: no person is named. Layout and font: groups/printing.py (PrintPDF)."""

from dataclasses import dataclass

from fpdf.fonts import FontFace

from groups.printing import PrintPDF

#: Light fills per status (printed in grey the words still say it).
FILLS = {"on": (220, 239, 222), "near": (252, 241, 205), "off": (248, 218, 216), "few": (240, 240, 240)}


@dataclass(frozen=True)
class CardWords:
    """The page's words, translated by the caller (this module knows no language)."""

    title: str
    period: str
    targets_heading: str
    targets: tuple[str, ...]  # one line per target
    name_heading: str
    headings: tuple[str, ...]  # one per indicator judged
    footnote: str


@dataclass(frozen=True)
class CardLine:
    name: str
    level: str  # "area", "village", "group"
    cells: tuple[tuple[str, str], ...]  # (text, status code or "") per heading


def scorecard_pdf(*, words: CardWords, lines: list[CardLine]) -> bytes:
    pdf = PrintPDF(orientation="L")
    pdf.title_page(words.title)
    pdf.cell(0, 6, pdf.text_of(words.period), new_x="LMARGIN", new_y="NEXT")
    pdf.heading(words.targets_heading)
    for line in words.targets:
        pdf.multi_cell(0, 5, pdf.text_of(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    name_width = 60
    other = (pdf.epw - name_width) / max(len(words.headings), 1)
    with pdf.table(
        col_widths=(name_width, *([other] * len(words.headings))),
        line_height=5,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 238, 235)),
    ) as table:
        heading = table.row()
        for text in (words.name_heading, *words.headings):
            heading.cell(pdf.text_of(text))
        for line in lines:
            row = table.row()
            bold = "BOLD" if line.level != "group" else None
            row.cell(pdf.text_of(line.name), style=FontFace(emphasis=bold))
            for text, code in line.cells:
                row.cell(pdf.text_of(text), style=FontFace(fill_color=FILLS.get(code)))
    pdf.ln(2)
    pdf.multi_cell(0, 5, pdf.text_of(words.footnote), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
