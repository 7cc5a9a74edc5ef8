"""Villages side by side: the table of an area's areas within (groups/scores/pages/villages.py;
a district's villages, a regency's districts, a province's regencies),
sorted by a column with plain links (?sort=) or, with htmx, swapped in place on the dashboard;
and the same table as CSV. Access as for the dashboard (access.Scope.read_reports; outside the
user's areas 404)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms.villages import VillageSortForm
from groups.scores import page_cache, reading
from groups.scores.areas import districts_below
from groups.scores.downloads import table_csv
from groups.scores.pages import villages
from groups.scores.pages.rollup import rollup
from groups.scores.pages.scorecard import judge_villages

from .render import render_page


def _reading(request, ref: str):
    """(area, form, the snapshots the table reads, what to say of areas still waiting) for the
    table's page and download, or 404/403. Above the districts, each district's own snapshot
    (read, or requested, as its own page reads it)."""
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    form = VillageSortForm(request.GET or None)
    start, end, resource = form.window() if form.is_bound and form.is_valid() else (None, None, "")
    if districts := districts_below(area):
        found = rollup(scope, districts, start, end, resource, confirmed_only=form.only_confirmed())
        return area, form, found["rollup_snapshots"], found["rollup_waiting_areas"]
    found = reading.read(area.pk, start, end, resource, scope=scope, confirmed_only=form.only_confirmed())
    return area, form, [found.snapshot] if found.snapshot is not None else [], {}


def filter_query(form) -> str:
    """The valid report filters of the form, without the sort, for links."""
    if not (form.is_bound and form.is_valid()):
        return ""
    data = {k: v for k, v in form.data.items() if k in form.fields and k != "sort" and v}
    return urlencode(data)


def table_context(area, snapshots: list, form, waiting: dict | None = None) -> dict:
    """What templates/groups/partials/villages_table.html shows (also on the dashboard)."""
    sort, query = form.sort_key(), filter_query(form)
    rows = villages.sort_rows(villages.village_rows(area, snapshots, query, waiting), sort)
    judge_villages(rows)
    return {
        "village_rows": rows,
        "village_headings": villages.headings(sort),
        "village_sort": sort,
        "village_sort_label": villages.sort_label(sort),
        "village_quarters": villages.quarter_labels_of(snapshots[0]) if snapshots else None,
        "village_query": query,
        "villages_url": reverse("groups:report_villages", args=[area.ref]),
    }


def cached_table(
    request, scope, area, snapshots: list, form, waiting: dict | None = None, *, page: bool = False
) -> dict:
    """table_context for the request's sort and filters (`form`), kept per snapshots and what
    is said of the areas still waiting (page_cache); its HTML too with `page` (the table's own
    page, and a regency's dashboard, whose page the table is: both keep the same HTML)."""
    waiting = waiting or {}
    return page_cache.cached(
        "villages-page" if page else "villages", scope, lambda: table_context(area, snapshots, form, waiting),
        area_id=area.pk, snapshots=snapshots, query=f"{request.GET.urlencode()}|{sorted(waiting.items())}",
        html=page,
    )


@require_http_methods(["GET"])
@login_required
def report_villages(request, ref: str):
    area, form, snapshots, waiting = _reading(request, ref)
    if not snapshots:  # being computed: the dashboard says so and polls
        return redirect("groups:report_dashboard", area.ref)
    table = cached_table(request, access.scope_for(request), area, snapshots, form, waiting, page=True)
    context = {"area": area, "snapshot": snapshots[0], **table}
    return render_page(request, "groups/report_villages.html", context, "villages")


@require_http_methods(["GET"])
@login_required
def villages_download(request, ref: str):
    area, form, snapshots, waiting = _reading(request, ref)
    if not snapshots:
        return redirect("groups:report_dashboard", area.ref)
    rows = villages.sort_rows(villages.village_rows(area, snapshots, waiting=waiting), form.sort_key())
    header, body = villages.csv_rows(rows)
    response = HttpResponse(table_csv(header, body), content_type="text/csv; charset=utf-8")
    filename = f"villages-{area.ref}-{snapshots[0].period_end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'  # refs are [A-Za-z0-9_.-]
    return response
