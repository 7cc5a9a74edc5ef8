"""The scorecard's files: its CSV rows and its PDF's words (translated here, in the reader's
language; groups/scorecard_pdf.py lays the page out)."""

from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.scorecard_pdf import CardLine, CardWords, scorecard_pdf
from groups.scores.pages.scorecard import Scorecard, describe


def csv_rows(card: Scorecard) -> tuple[list[str], list[list]]:
    """level, ref, name, then per indicator judged: value, base, target, status (on, near,
    off, few; blank without a target)."""
    header = ["level", "ref", "name"]
    for key in card.keys:
        header += [key, f"{key}_base", f"{key}_target", f"{key}_status"]
    body = []
    for row in card.rows:
        line = [row.level, row.ref, row.name]
        for cell in row.cells:
            goal = float(cell.target.goal) if cell.target else None
            line += [cell.value, cell.base, goal, cell.status.code if cell.status else None]
        body.append(line)
    return header, body


def pdf(card: Scorecard) -> bytes:
    snapshot = card.snapshot
    words = CardWords(
        title=_("Scorecard: %(area)s") % {"area": card.area.name},
        period=_("Period: %(start)s to %(end)s")
        % {
            "start": date_format(snapshot.period_start, "j M Y"),
            "end": date_format(snapshot.period_end, "j M Y"),
        },
        targets_heading=_("Targets"),
        targets=tuple(describe(t) for t in card.targets) or (_("No targets set for this area yet."),),
        name_heading=_("Area or group"),
        headings=tuple(card.headings),
        footnote=_(
            "An area's value is the median over its groups with enough records; a group's value "
            "gives the number of records it rests on. Each status is written out: on target, near "
            "target, off target, or too few records to judge."
        ),
    )
    lines = [CardLine(row.name, row.level, tuple(_cell_text(c) for c in row.cells)) for row in card.rows]
    return scorecard_pdf(words=words, lines=lines)


def _cell_text(cell) -> tuple[str, str]:
    if cell.status is None:
        return cell.text, ""
    return f"{cell.text} – {cell.status.words}", cell.status.code


def attachment(content: bytes, card: Scorecard, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = f"scorecard-{card.area.ref}-{card.snapshot.period_end.isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'  # refs are [A-Za-z0-9_.-]
    return response
