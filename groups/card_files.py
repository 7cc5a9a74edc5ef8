"""A group's report card as files: an A4 PDF (fpdf2) and a share image for a WhatsApp group
(PNG, Pillow), both drawn from a scores.pages.card.Card in the active language.

fpdf2 is pure Python and already makes the meeting sheet (groups/printing.py): no system
packages, unlike WeasyPrint (pango). Pillow comes with fpdf2. Fonts: groups/fonts.py. Neither
file carries a member's name or phone: the Card has none.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image, ImageDraw

from groups.fonts import image_font, pdf_text, unicode_font
from groups.scores.pages.card import Card

GREEN, ORANGE, BLUE, GREY, LIGHT = (
    (31, 111, 92),
    (201, 130, 43),
    (45, 93, 159),
    (91, 103, 112),
    (214, 221, 226),
)
# as static/css/charts.css and the report's legend colour them
NODE_COLOURS = {"member": (91, 143, 185), "outsider": (185, 198, 207), "actor": ORANGE}
EDGE_COLOURS = {"bonding": GREEN, "bridging": ORANGE, "linking": BLUE}
#: The share image: square, the shape WhatsApp shows whole in a chat.
IMAGE_SIZE = (1080, 1080)
MAX_NORMS = 6


def period(card: Card) -> str:
    return _("Report card, %(start)s – %(end)s") % {
        "start": date_format(card.period_start, "j M Y"),
        "end": date_format(card.period_end, "j M Y"),
    }


# ---------------------------------------------------------------------------- the PDF


class CardPDF(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=12)
        self.font_name = unicode_font(self, "Card")
        self.set_title(title)
        self.add_page()

    def write_text(
        self, text: str, size: float = 10, bold: bool = False, height: float = 5, colour=(0, 0, 0)
    ):
        self.set_font(self.font_name, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.multi_cell(0, height, pdf_text(self.font_name, text), new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str):
        self.ln(1.5)
        self.write_text(text, size=11, bold=True, height=6)


@dataclass(frozen=True)
class Layout:
    """Sizes of the card's parts (mm, points for fonts): the roomy one, and a tighter one for
    a card whose sentences and norms would leave too little room for the notes."""

    words: float = 9.5  # the sentences' font size
    words_line: float = 4.6
    words_gap: float = 0.6
    picture: float = 52  # the side of the network picture's square


LAYOUTS = (Layout(), Layout(words=8.5, words_line=4.0, words_gap=0.3, picture=44))
#: The group's notes: ruled lines to the foot of the page, at least NOTES_LEAST of them.
NOTES_LEAST, NOTES_SPACING = 2, 7.5


def card_pdf(card: Card) -> bytes:
    """One A4 page: the roomiest layout that leaves room for the notes."""
    for layout in LAYOUTS:
        pdf = _card_page(card, layout)
        if pdf.page_no() == 1 and _note_lines(pdf) >= NOTES_LEAST:
            break
    _notes(pdf)
    return bytes(pdf.output())


def _card_page(card: Card, layout: Layout) -> CardPDF:
    """Everything but the notes."""
    pdf = CardPDF(card.group)
    pdf.write_text(card.group, size=18, bold=True, height=9)
    pdf.write_text(f"{card.kind} · {card.area} · {period(card)}", size=9, colour=GREY)
    pdf.heading(_("In plain words"))
    for sentence in card.sentences or (_("Too few records yet for a sentence about this group."),):
        pdf.write_text(sentence, size=layout.words, height=layout.words_line)
        pdf.ln(layout.words_gap)
    pdf.heading(_("Key figures"))
    _figures(pdf, card)
    pdf.heading(_("Who exchanges with whom, and our norms"))
    top = pdf.get_y()
    _picture(pdf, card, pdf.l_margin, top, layout.picture)
    pdf.set_xy(pdf.l_margin + layout.picture + 6, top)
    _norms(pdf, card, left=pdf.l_margin + layout.picture + 6)
    pdf.set_y(max(pdf.get_y(), top + layout.picture + 8))
    pdf.heading(_("The last four quarters"))
    _trend(pdf, card)
    return pdf


def _figures(pdf: CardPDF, card: Card):
    width, height, gap = 60, 15, 2
    left, top = pdf.l_margin, pdf.get_y()
    for i, figure in enumerate(card.figures):
        x, y = left + (i % 3) * (width + gap), top + (i // 3) * (height + gap)
        pdf.set_draw_color(*LIGHT)
        pdf.rect(x, y, width, height)
        pdf.set_xy(x + 2, y + 1.5)
        pdf.set_font(pdf.font_name, "", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(width - 4, 4, pdf_text(pdf.font_name, figure.label))
        pdf.set_xy(x + 2, y + 6)
        pdf.set_font(pdf.font_name, "B", 9.5)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(width - 4, 4.2, pdf_text(pdf.font_name, figure.text), align="L")
    pdf.set_y(top + 2 * (height + gap))


def _picture(pdf: CardPDF, card: Card, x0: float, y0: float, size: float):
    """The exchange picture in a square: lines first, then the dots, then a legend."""
    pdf.set_draw_color(*LIGHT)
    pdf.rect(x0, y0, size, size)
    nodes = card.picture.nodes

    def at(i):
        return x0 + 3 + nodes[i][0] * (size - 6), y0 + 3 + nodes[i][1] * (size - 6)

    pdf.set_line_width(0.3)
    for a, b, kind in card.picture.edges:
        pdf.set_draw_color(*EDGE_COLOURS.get(kind, GREY))
        pdf.line(*at(a), *at(b))
    for i, (_x, _y, kind) in enumerate(nodes):
        pdf.set_fill_color(*NODE_COLOURS[kind])
        pdf.circle(*at(i), 1.6, style="F")
    if not nodes:
        pdf.set_xy(x0 + 2, y0 + size / 2 - 3)
        pdf.set_font(pdf.font_name, "", 8)
        pdf.multi_cell(size - 4, 4, pdf_text(pdf.font_name, _("No exchanges in this period.")), align="C")
    pdf.set_xy(x0, y0 + size + 1)
    pdf.set_font(pdf.font_name, "", 7)
    legend = (_("member"), _("person outside the group"), _("institution"))
    for colour, text in zip(NODE_COLOURS.values(), legend, strict=True):
        pdf.set_fill_color(*colour)
        pdf.circle(pdf.get_x() + 1.2, pdf.get_y() + 2, 1.2, style="F")
        pdf.set_x(pdf.get_x() + 3)
        pdf.cell(pdf.get_string_width(pdf_text(pdf.font_name, text)) + 3, 4, pdf_text(pdf.font_name, text))
    pdf.set_line_width(0.2)


def _norms(pdf: CardPDF, card: Card, left: float):
    pdf.set_left_margin(left)
    if not card.norms:
        pdf.write_text(_("The group has not recorded any norms yet."), size=9)
    for norm in card.norms[:MAX_NORMS]:
        pdf.write_text(norm.statement, size=9, height=4.5)
        if norm.rating is None:
            rated = _("not reviewed yet")
        else:
            rated = _("latest review %(date)s: %(rating)s of 5") % {
                "date": date_format(norm.reviewed_on, "j M Y"),
                "rating": norm.rating,
            }
        if norm.due:
            rated = _("%(rated)s · due for review") % {"rated": rated}
        pdf.write_text(rated, size=8, height=4, colour=GREY)
        pdf.ln(1)
    if len(card.norms) > MAX_NORMS:
        more = len(card.norms) - MAX_NORMS
        pdf.write_text(_("and %(count)d more on the group's report") % {"count": more}, size=8, colour=GREY)
    pdf.set_left_margin(12)


def _trend(pdf: CardPDF, card: Card):
    if not card.trend:
        pdf.write_text(_("No quarter has enough records for a score yet."), size=9)
        return
    pdf.set_font(pdf.font_name, "", 7)
    pdf.set_fill_color(255, 255, 255)  # the legend's last colour would fill the cells
    with pdf.table(
        col_widths=(16, 20, 37.5, 37.5, 37.5, 37.5),
        line_height=3.4,
        text_align="CENTER",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 238, 235)),
    ) as table:
        heading = table.row()
        for text in (_("Quarter"), *card.trend_labels):
            heading.cell(pdf_text(pdf.font_name, text))
        for quarter, values in card.trend:
            row = table.row()
            for text in (quarter, *(value for _heading, value in values)):
                row.cell(pdf_text(pdf.font_name, text))


#: The notes' heading: CardPDF.heading's space above and its line.
NOTES_HEADING = 1.5 + 6


def _note_lines(pdf: CardPDF) -> int:
    """How many ruled lines fit between the notes' heading and the foot of the page."""
    return int((pdf.h - pdf.b_margin - pdf.get_y() - NOTES_HEADING) // NOTES_SPACING)


def _notes(pdf: CardPDF):
    """Blank ruled lines to the foot of the page, as many as fit; on a page of their own only
    when not even NOTES_LEAST fit (a card too long for the tighter layout too)."""
    if _note_lines(pdf) < NOTES_LEAST:
        pdf.add_page()
    pdf.heading(_("Our notes"))
    pdf.set_draw_color(*GREY)
    y = pdf.get_y() + NOTES_SPACING
    while y <= pdf.h - pdf.b_margin:
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
        y += NOTES_SPACING


def not_ready_pdf(group: str) -> bytes:
    """A clear page instead of a card while the group has no computed scores."""
    pdf = CardPDF(group)
    pdf.write_text(group, size=18, bold=True, height=9)
    pdf.write_text(not_ready_text(), size=12, height=6)
    return bytes(pdf.output())


def not_ready_text() -> str:
    return _(
        "There is no report card yet: the group's scores are being computed. "
        "Open the card again in a few minutes."
    )


# ---------------------------------------------------------------------- the share image


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def _text(draw, xy, text, font, width, fill, most: int = 3, spacing: int = 8) -> int:
    """Draw wrapped text (at most `most` lines, the last cut with "…"); the y below it."""
    x, y = xy
    lines = _wrap(draw, text, font, width)
    if len(lines) > most:
        last = lines[most - 1]
        while " " in last and draw.textlength(last + " …", font=font) > width:
            last = last.rsplit(" ", 1)[0]
        lines = [*lines[: most - 1], last + " …"]
    for line in lines:
        draw.text((x, y), line, font=font, fill=fill)
        y += font.size + spacing
    return y


def _whole_sentences(draw, sentences, font, width: int, most: int) -> str:
    """As many whole sentences as fit in `most` lines (the first one in any case)."""
    text = sentences[0]
    for sentence in sentences[1:]:
        if len(_wrap(draw, f"{text} {sentence}", font, width)) > most:
            break
        text = f"{text} {sentence}"
    return text


def _image(group: str, subtitle: str):
    image = Image.new("RGB", IMAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, IMAGE_SIZE[0], 250), fill=GREEN)
    _text(draw, (60, 45), group, image_font(64, bold=True), 960, "white", most=1)
    _text(draw, (60, 150), subtitle, image_font(30), 960, "white", most=2)
    return image, draw


def _png(image) -> bytes:
    out = io.BytesIO()
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_png(card: Card) -> bytes:
    """The headline: the group, four key figures with their bases, whole sentences."""
    image, draw = _image(card.group, f"{card.area} · {period(card)}")
    label_font, value_font, words_font = image_font(32), image_font(36, bold=True), image_font(36)
    for i, figure in enumerate(card.headline[:4]):
        x, y = 60 + (i % 2) * 500, 290 + (i // 2) * 255
        draw.rounded_rectangle((x, y, x + 460, y + 235), radius=18, outline=LIGHT, width=3)
        below = _text(draw, (x + 24, y + 18), figure.label, label_font, 412, GREY, most=1)
        _text(draw, (x + 24, below + 2), figure.text, value_font, 412, "black", most=4, spacing=6)
    if card.sentences:
        words = _whole_sentences(draw, card.sentences, words_font, 960, 4)
        _text(draw, (60, 820), words, words_font, 960, "black", most=4)
    draw.text((60, 1030), _("CommunityMap · report card"), font=image_font(26), fill=GREY)
    return _png(image)


def not_ready_png(group: str) -> bytes:
    image, draw = _image(group, _("Report card"))
    _text(draw, (60, 330), not_ready_text(), image_font(44), 960, "black", most=6)
    return _png(image)


#: suffix -> (draw a card, draw the page of a group without scores yet, content type)
FILES = {
    "pdf": (card_pdf, not_ready_pdf, "application/pdf"),
    "png": (card_png, not_ready_png, "image/png"),
}
