"""A group's report card: the A4 page (print stylesheet), its PDF and its share image.

Who may see it: whoever may read the group's report (access.py: outside the scope 404, a
member 403). The card names nobody, so naming rights do not matter. It reads the group's
row of the latest snapshot with the one page call (reading.read); while there is none, the
page says it is being computed and the PDF and image say so on their page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from groups import access, card_files
from groups.forms.card import CardLanguageForm
from groups.scores import reading
from groups.scores.pages.card import group_card as build_card
from groups.scores.pages.card import picture_svg
from groups.scores.pages.common import report_area

from .render import render_page


def _card_access(request, ref: str):
    """(group, scope, report area), or 404/403 as for the group's report."""
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    return group, scope, report_area(scope, group.area_id)


def _read(scope, group, area):
    """(Reading, card or None), in the active language."""
    found = reading.read(area.pk, scope=scope, group=group)
    return found, build_card(group, found.row) if found.row is not None else None


def _file(request, group, scope, area, suffix: str) -> HttpResponse:
    """The card as a PDF or PNG (card_files.FILES), or its "not yet" page without scores."""
    draw, not_ready, content_type = card_files.FILES[suffix]
    with translation.override(CardLanguageForm(request.GET).language()):
        _found, card = _read(scope, group, area)
        content = draw(card) if card else not_ready(group.name)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="card-{group.ref}.{suffix}"'
    return response


@require_http_methods(["GET"])
@login_required
def group_card(request, ref: str):
    group, scope, area = _card_access(request, ref)
    language = CardLanguageForm(request.GET).language()
    with translation.override(language):  # the card's words; the template translates only the card
        found, card = _read(scope, group, area)
        picture = picture_svg(card) if card else ""
    context = {
        "group": group,
        "area": area,
        "card": card,
        "picture": picture,
        "snapshot": found.snapshot if card else None,
        "pending": found.pending,
        "retry_url": reverse("groups:report_group_retry", args=[group.ref]),
        "language": language,
    }
    return render_page(request, "groups/group_card.html", context, "report")


@require_http_methods(["GET"])
@login_required
def group_card_pdf(request, ref: str):
    group, scope, area = _card_access(request, ref)
    return _file(request, group, scope, area, "pdf")


@require_http_methods(["GET"])
@login_required
def group_card_png(request, ref: str):
    group, scope, area = _card_access(request, ref)
    return _file(request, group, scope, area, "png")
