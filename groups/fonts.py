"""The fonts of everything the server draws: the PDFs (fpdf2) and the share image (Pillow).

DejaVu Sans (Debian's fonts-dejavu-core) has the glyphs of every name and both languages.
When the system lacks it, a PDF falls back to fpdf2's built-in Helvetica (Latin text, the
rest replaced with "?") and an image to Pillow's built-in font.

fpdf2's add_font reads a font file anew for every PDF (0.1-0.2 s per face). A process reads
each face once here (`_parsed`) and gives every PDF its own copy of it: the same font object
add_font builds, so the PDFs are byte for byte the ones add_font makes.
"""

from __future__ import annotations

import functools
import pickle
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont
from PIL import ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FALLBACK = "Helvetica"


def unicode_font(pdf: FPDF, family: str) -> str:
    """Register DejaVu Sans (regular and bold) with the PDF under `family`; the name to
    set_font with, or FALLBACK when the system has no DejaVu."""
    if not (REGULAR.exists() and BOLD.exists()):
        return FALLBACK
    _add_parsed_font(pdf, family, "", REGULAR)
    _add_parsed_font(pdf, family, "B", BOLD)
    return family


@dataclass(frozen=True)
class _ParsedFace:
    font: TTFFont  # its metrics and character map, read once; never written to a PDF itself
    tables: bytes  # its fontTools font as add_font leaves it (pickled: each PDF unpickles its own)


@functools.cache
def _parsed(path: Path) -> _ParsedFace:
    font = TTFFont(FPDF(), path, fontkey="parsed", style="")
    tables = pickle.dumps(font.ttfont)
    font.close()  # the file: each PDF's own fontTools font opens it again
    return _ParsedFace(font, tables)


def _add_parsed_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """What `pdf.add_font(family, style, path)` does, from the face read once: the per-PDF
    parts are new (its number in the PDF, the glyphs it uses, and the fontTools font, which
    the PDF's output cuts down to those glyphs), the read-only ones shared."""
    parsed = _parsed(path)
    font = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if hasattr(parsed.font, name):
            setattr(font, name, getattr(parsed.font, name))
    font.i = len(pdf.fonts) + 1
    font.fontkey = f"{family.lower()}{style}"
    font.emphasis = TextEmphasis.coerce(style)
    # Our own bytes from this process, never input from outside.
    font.ttfont = pickle.loads(parsed.tables)  # noqa: S301
    font.cw = parsed.font.cw.copy()  # a defaultdict: reading a missing character adds it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    font._hbfont = None
    pdf.fonts[font.fontkey] = font


def pdf_text(font: str, text: str) -> str:
    """The text as the font can print it: the built-in fallback knows Latin-1 only."""
    if font == FALLBACK:
        return text.encode("latin-1", "replace").decode("latin-1")
    return text


def image_font(size: int, *, bold: bool = False):
    """A Pillow font of `size` pixels: DejaVu Sans when present, else Pillow's own."""
    path = BOLD if bold else REGULAR
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)
