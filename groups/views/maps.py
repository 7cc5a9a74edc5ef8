"""The map of groups: its GeoJSON (the groups and the village outlines of an area) and the
staff's upload of outlines. The map itself is a part of the area dashboard
(templates/groups/partials/area_map.html, built by groups/scores/pages/map.py)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access, maps
from groups.forms.maps import GeoJSONDownloadForm, OutlinesUploadForm
from groups.scores import page_cache, reading
from groups.scores.pages.map import feature_collection, outlines

from .render import done, render_page


def _text(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


def _geojson(request, data: dict | bytes, file_name: str) -> HttpResponse:
    """The GeoJSON (or its encoded text), shown by the browser, or saved as a file with ?download=1."""
    text = _text(data) if isinstance(data, dict) else data
    response = HttpResponse(text, content_type="application/geo+json")
    disposition = "attachment" if GeoJSONDownloadForm(request.GET).attachment() else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{file_name}"'
    return response


def _report_area(request, ref: str):
    """(area, scope) for a reader of the area's reports, or 404/403."""
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    return area, scope


@require_http_methods(["GET"])
@login_required
def area_groups_geojson(request, ref: str):
    """The viewer's groups of the area with their kind and latest scores, no members."""
    area, scope = _report_area(request, ref)
    # built once per viewer class and snapshot (megabytes on a district), like a report page
    communities = page_cache.kept_page_communities(area.pk)
    latest = [reading.latest_snapshot(community, lazy=True) for community in communities]
    snapshots = [snapshot for snapshot in latest if snapshot is not None]
    text = page_cache.cached_text(
        "map-geojson", scope, lambda: _text(feature_collection(scope, area)).encode(),
        area_id=area.pk, snapshots=snapshots,
    )
    return _geojson(request, text, f"groups-{area.ref}.geojson")


@require_http_methods(["GET"])
@login_required
def area_outlines_geojson(request, ref: str):
    area, _scope = _report_area(request, ref)
    return _geojson(request, outlines(area), f"outlines-{area.ref}.geojson")


@require_http_methods(["GET", "POST"])
@login_required
def area_outlines_upload(request, ref: str):
    area = access.get_area(request, ref)
    access.require(access.scope_for(request).load_outlines())
    posted = request.method == "POST"
    form = OutlinesUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            boundary = maps.load_outlines(
                area=area, raw=upload.read(), file_name=upload.name, user=request.user
            )
        except maps.OutlineError as error:
            form.add_error("file", str(error))
        else:
            count = len(boundary.features["features"])
            messages.success(
                request, _("%(count)d outlines loaded for %(area)s.") % {"count": count, "area": area.name}
            )
            return done(request, reverse("groups:report_dashboard", args=[area.ref]))
    return render_page(request, "groups/area_outlines_upload.html", {"area": area, "form": form}, "form")
