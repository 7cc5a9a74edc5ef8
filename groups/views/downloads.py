"""Downloads of the stored scores (people.csv, groups.csv, area.csv in a zip) and of the
networks (GraphML or GEXF, for Gephi), for an area or group in the user's scope.

Access as for the report pages: facilitators, coordinators and staff; outside their scope 404,
members 403. Names go through groups/privacy.py: a coordinator who may not see names (or a
person without consent) gets a stable pseudonym; refs are always kept so files can be joined.
When no snapshot of the requested period exists yet, one is requested and a page says so.
"""

import io
import zipfile

import networkx as nx
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from groups import access, reports
from groups.forms.downloads import GEXF, NetworkDownloadForm
from groups.forms.reports import ReportFilterForm
from groups.models import SnapshotStatus
from groups.privacy import namer_for

TEMPLATE = "groups/scores_download.html"


def _require_reader(scope: access.Scope) -> None:
    """Score and network downloads are for facilitators, coordinators and staff."""
    if not (scope.is_staff or scope.is_facilitator or scope.is_coordinator):
        raise PermissionDenied


def _page(request, context: dict):
    template = f"{TEMPLATE}#download" if request.htmx else TEMPLATE
    return render(request, template, context)


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
    _require_reader(scope)
    form = ReportFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, {"area": area, "form": form, "kind": "scores"})
    start, end, resource = _window(form)
    snapshot = reports.latest_snapshot(area, start, end, resource)
    if snapshot is None:
        waiting = reports.pending_snapshot(area, start, end, resource)
        if waiting is None and not access.may_request_scores(scope, area.pk, custom_window=start is not None):
            return _page(request, {"area": area, "form": form, "kind": "scores", "busy": True})
        pending = reports.request_snapshot(area, start, end, resource, requested_by=request.user)
        pending.refresh_from_db()  # computed in-process when tasks run immediately
        if pending.status != SnapshotStatus.DONE:
            return _page(request, {"area": area, "form": form, "kind": "scores", "pending": pending})
        snapshot = pending
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in reports.score_tables(snapshot, namer=namer_for(scope)).items():
            archive.writestr(name, text)
    filename = f"scores-{area.ref}-{snapshot.period_start:%Y%m%d}-{snapshot.period_end:%Y%m%d}.zip"
    return _attachment(buffer.getvalue(), filename, "application/zip")


def _network_response(request, scope_object, form, scope) -> HttpResponse:
    start, end, resource = _window(form)
    if start is None:
        window = reports.default_window()
        start, end = window.start, window.end
    data = form.cleaned_data if form.is_bound else {"format": "graphml", "network": "exchanges"}
    graph = reports.network_graph(
        scope_object, start, end, resource, network=data["network"], namer=namer_for(scope)
    )
    buffer = io.BytesIO()
    if data["format"] == GEXF:
        nx.write_gexf(graph, buffer)
        content_type, extension = "application/gexf+xml", "gexf"
    else:
        nx.write_graphml(graph, buffer)
        content_type, extension = "application/graphml+xml", "graphml"
    filename = f"{data['network']}-{scope_object.ref}-{start:%Y%m%d}-{end:%Y%m%d}.{extension}"
    return _attachment(buffer.getvalue(), filename, content_type)


@require_http_methods(["GET"])
@login_required
def network_download(request, ref):
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    _require_reader(scope)
    form = NetworkDownloadForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, {"area": area, "form": form, "kind": "network"})
    return _network_response(request, area, form, scope)


@require_http_methods(["GET"])
@login_required
def group_network_download(request, ref):
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    _require_reader(scope)
    form = NetworkDownloadForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, {"group": group, "form": form, "kind": "network"})
    return _network_response(request, group, form, scope)
