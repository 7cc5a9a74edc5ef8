"""The fonts of everything the server draws: the PDFs (fpdf2) and the share image (Pillow).

DejaVu Sans (Debian's fonts-dejavu-core) has the glyphs of every name and both languages.
When the system lacks it, a PDF falls back to fpdf2's built-in Helvetica (Latin text, the
rest replaced with "?") and an image to Pillow's built-in font.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
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
    pdf.add_font(family, "", str(REGULAR))
    pdf.add_font(family, "B", str(BOLD))
    return family


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
