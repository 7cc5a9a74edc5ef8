"""Downloads of the stored scores (people.csv, groups.csv, area.csv in a zip) and of the
networks (GraphML or GEXF, for Gephi), for an area or group in the user's scope.

Access as for the report pages: facilitators, coordinators and staff; outside their scope 404,
members 403 (access.Scope.read_reports). Names are decided per person exactly as on the
report pages (access.Scope.names): whoever the viewer may not see by name is a stable
pseudonym; refs are always kept so files can be joined.
When no snapshot of the requested period exists yet, one is requested and a page says so.
The score tables are the community's snapshot (groups/scores/areas.py) filtered to the
reader's area, the same values as every page shows; an area above the districts gets each
district's tables in its own folder.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms.downloads import GEXF, NetworkDownloadForm
from groups.forms.reports import ReportFilterForm
from groups.models import ScoreSnapshot, SnapshotStatus
from groups.scores import downloads, page_cache, reading, windows
from groups.scores.areas import districts_below

from .render import render_page

TEMPLATE = "groups/scores_download.html"


def _page(request, context: dict):
    return render_page(request, TEMPLATE, context, "download")


def _window(form) -> tuple:
    """(start, end, resource); an empty query string means the last 12 months, all types."""
    return form.window() if form.is_bound else (None, None, "")


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'  # refs are [A-Za-z0-9_.-]
    return response


@require_http_methods(["GET"])
@login_required
def scores_download(request, ref):
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    form = ReportFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, {"area": area, "form": form, "kind": "scores"})
    start, end, resource = _window(form)
    confirmed = form.only_confirmed()
    found = []
    districts = districts_below(area)
    for community in districts or [area]:
        snapshot = _snapshot_or_request(request, scope, community, start, end, resource, confirmed)
        if not isinstance(snapshot, ScoreSnapshot):  # waiting, or their other report is
            return _page(request, {"area": area, "form": form, "kind": "scores", **snapshot})
        found.append(snapshot)
    if districts:
        content, filename = downloads.rollup_zip(area, found, namer=scope)
    else:
        content, filename = downloads.score_zip(found[0], namer=scope, area=area)
    return _attachment(content, filename, "application/zip")


def _snapshot_or_request(
    request, scope, area, start, end, resource, confirmed_only: bool = False
) -> ScoreSnapshot | dict:
    """The latest snapshot of the area's community, or (requesting it, as Scope allows) what
    the page says instead: {"pending": ...} or {"busy": True}."""
    snapshot = reading.latest_snapshot(area, start, end, resource, confirmed_only=confirmed_only)
    if snapshot is not None:
        return snapshot
    waiting = reading.pending_snapshot(area, start, end, resource, confirmed_only=confirmed_only)
    custom = start is not None
    community = page_cache.kept_community_id(area)
    if waiting is None and not scope.may_request_scores(community, custom_window=custom):
        return {"busy": True}
    pending = reading.request_snapshot(
        area, start, end, resource, requested_by=request.user, confirmed_only=confirmed_only
    )
    pending.refresh_from_db()  # computed in-process when tasks run immediately
    return pending if pending.status == SnapshotStatus.DONE else {"pending": pending}


def _network_response(request, scope_object, form, scope) -> HttpResponse:
    start, end, resource = _window(form)
    if start is None:
        window = windows.default_window()
        start, end = window.start, window.end
    data = form.cleaned_data if form.is_bound else {"format": "graphml", "network": "exchanges"}
    content, content_type, filename = downloads.network_file(
        scope_object,
        start,
        end,
        resource,
        network=data["network"],
        gexf=data["format"] == GEXF,
        namer=scope,
        confirmed_only=form.only_confirmed(),
    )
    return _attachment(content, filename, content_type)


@require_http_methods(["GET"])
@login_required
def network_download(request, ref):
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    form = NetworkDownloadForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, {"area": area, "form": form, "kind": "network"})
    return _network_response(request, area, form, scope)


@require_http_methods(["GET"])
@login_required
def group_network_download(request, ref):
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    form = NetworkDownloadForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, {"group": group, "form": form, "kind": "network"})
    return _network_response(request, group, form, scope)
