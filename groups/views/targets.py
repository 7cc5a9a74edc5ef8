"""Targets and the scorecard of an area: the targets page (the targets in force and, for the
area's coordinators and staff, a form to set or remove them: access.Scope.set_targets), the
scorecard as CSV and as PDF. Readers as for the dashboard (access.Scope.read_reports; outside
the user's areas 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms.targets import TargetForm
from groups.scores import reading
from groups.scores.areas import districts_below
from groups.scores.downloads import table_csv
from groups.scores.pages import scorecard as cards
from groups.scores.pages.attention import needs_attention
from groups.scores.targets import TARGETABLE
from groups.services import targets as services

from . import scorecards
from .render import done, render_page

TEMPLATE = "groups/target_list.html"


def _reader(request, ref: str):
    """(area, scope) for a reader of the area's reports, or 404/403."""
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    return area, scope


def dashboard_context(scope, area, snapshot, villages=None) -> dict:
    """The dashboard's scorecard and needs-attention sections (templates/groups/partials/
    scorecard.html, attention.html); `villages`: the rows of its villages table, read once."""
    return {
        "scorecard": cards.scorecard(scope, area, snapshot, villages),
        "may_set": scope.set_targets(area),
        **needs_attention(scope, area, snapshot),
    }


def _snapshot(scope, area):
    """The area's community's snapshot; none above the districts (each district's page and
    scorecard judges its own rows: reading one here would compute everything at once)."""
    if districts_below(area):
        return None
    return reading.read(area.pk, scope=scope).snapshot


def _page(request, area, scope, form=None):
    snapshot = _snapshot(scope, area)
    context = {
        "area": area,
        "form": form or TargetForm(),
        "may_set": scope.set_targets(area),
        "own": [(t, cards.describe(t)) for t in area.targets.select_related("area").order_by("indicator")],
        "snapshot": snapshot,
        "above_districts": bool(districts_below(area)),
        "scorecard": cards.scorecard(scope, area, snapshot) if snapshot is not None else None,
    }
    return render_page(request, TEMPLATE, context, "targets")


@require_http_methods(["GET"])
@login_required
def target_list(request, ref: str):
    area, scope = _reader(request, ref)
    return _page(request, area, scope)


@require_http_methods(["POST"])
@login_required
def target_set(request, ref: str):
    area, scope = _reader(request, ref)
    access.require(scope.set_targets(area))
    form = TargetForm(request.POST)
    if not form.is_valid():
        return _page(request, area, scope, form)
    data = form.cleaned_data
    services.set_target(
        area=area, indicator=data["indicator"], goal=data["goal"], near=data["near"], user=request.user
    )
    messages.success(
        request, _("Target saved: %(indicator)s.") % {"indicator": TARGETABLE[data["indicator"]].label}
    )
    return done(request, reverse("groups:target_list", args=[area.ref]))


@require_http_methods(["POST"])
@login_required
def target_delete(request, ref: str, indicator: str):
    area, scope = _reader(request, ref)
    access.require(scope.set_targets(area))
    target = get_object_or_404(area.targets, indicator=indicator)  # through its area: no guessing
    services.remove_target(target=target)
    messages.success(
        request, _("Target removed: %(indicator)s.") % {"indicator": TARGETABLE[indicator].label}
    )
    return done(request, reverse("groups:target_list", args=[area.ref]))


def _card(scope, area):
    snapshot = _snapshot(scope, area)
    return cards.scorecard(scope, area, snapshot) if snapshot is not None else None


@require_http_methods(["GET"])
@login_required
def scorecard_download(request, ref: str):
    area, scope = _reader(request, ref)
    card = _card(scope, area)
    if card is None:  # being computed: the dashboard says so and polls
        return redirect("groups:report_dashboard", area.ref)
    header, rows = scorecards.csv_rows(card)
    return scorecards.attachment(table_csv(header, rows).encode(), card, "csv", "text/csv; charset=utf-8")


@require_http_methods(["GET"])
@login_required
def scorecard_print(request, ref: str):
    area, scope = _reader(request, ref)
    card = _card(scope, area)
    if card is None:
        return redirect("groups:report_dashboard", area.ref)
    return scorecards.attachment(scorecards.pdf(card), card, "pdf", "application/pdf")
