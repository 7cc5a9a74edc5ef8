"""Report pages: the area dashboard, the group report, before and after an
activity, the person profile and the methodology page.

Pages read the latest stored score snapshot with one call (groups/scores/reading.read): a
fixed number of queries whatever the size of the area, and no network is laid out per request
except a group's own before/after comparison (a group is small). When no snapshot of the
requested period exists yet, it is requested and the page shows a "being computed" state that
htmx polls. What a page shows is built in groups/scores/pages/.

Who reads what: facilitators and coordinators read the reports of the areas and groups in
their scope (access.py: outside -> 404); a member may read only their own profile (403 for
the rest). Who may read and whose name is shown: groups/access.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms.reports import ChangeWindowForm, ReportFilterForm
from groups.forms.villages import VillageSortForm
from groups.scores import evidence, page_cache, reading
from groups.scores.areas import districts_below
from groups.scores.indicators import INDICATORS, indicator_anchor
from groups.scores.pages.attention import LOW_RATING, PARTICIPATION_FALL
from groups.scores.pages.change import change
from groups.scores.pages.common import report_area
from groups.scores.pages.dashboard import dashboard
from groups.scores.pages.group import CHANGE_KINDS, group_report
from groups.scores.pages.person import person_profile
from groups.scores.pages.rollup import rollup
from groups.scores.sentences import EI_LEANING

from .render import kept_filter_fields, render_page
from .targets import dashboard_context as targets_context
from .villages import cached_table as village_table
from .villages import table_context

FILTER_KEYS = ("period", "start", "end", "resource", "confirmed_only")


def _render(request, template: str, context: dict, partial: str = "report"):
    """The whole page, or only its swappable region for an htmx request."""
    return render_page(request, template, context, partial)


def _filters(request) -> tuple[ReportFilterForm, tuple, bool]:
    """The filter form from the query string: (form, (start, end, resource), invalid).
    Invalid input falls back to the defaults; the form then shows its errors."""
    if not any(key in request.GET for key in FILTER_KEYS):
        return ReportFilterForm(), (None, None, ""), False
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return form, (None, None, ""), True
    return form, form.window(), False


def _filter_query(start, end, resource: str, confirmed_only: bool = False) -> str:
    """The valid filters as a query string, for links to the downloads."""
    params = {"period": "dates", "start": start, "end": end} if start else {}
    if resource:
        params["resource"] = resource
    if confirmed_only:
        params["confirmed_only"] = "on"
    return urlencode(params)


def _group_report_access(request, ref: str):
    """(group, scope, report area) for the group report and its retry, or 404/403."""
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    return group, scope, report_area(scope, group.area_id)


def _person_report_access(request, ref: str):
    """(person, scope, own, report area) for the person's profile and its retry, or 404/403."""
    person = access.get_person(request, ref)
    scope = access.scope_for(request)
    own = scope.person is not None and scope.person.pk == person.pk
    access.require(own or scope.read_reports())
    # no consent recorded: their exchanges are for facilitators only
    access.require(scope.shows_exchanges_of(person))
    return person, scope, own, report_area(scope, person.area_id)


# ------------------------------------------------------------------------ pages


@require_http_methods(["GET"])
@login_required
def report_dashboard(request, ref: str | None = None):
    scope = access.scope_for(request)
    area = access.get_area(request, ref) if ref is not None else scope.default_report_area()
    access.require(scope.read_reports())
    form, (start, end, resource), invalid = _filters(request)
    confirmed = form.only_confirmed()
    context = {
        "area": area,
        "form": form,
        **kept_filter_fields(request, scope, "report-filters"),
        "invalid_filters": invalid,
        "retry_url": reverse("groups:report_dashboard_retry", args=[area.ref]),
        "children": area.children.order_by("name"),
        "query": _filter_query(start, end, resource, confirmed),
    }
    if districts := districts_below(area):  # a regency or province: its districts' snapshots
        context.update(rollup(scope, districts, start, end, resource, confirmed_only=confirmed))
        found, waiting = context["rollup_snapshots"], context["rollup_waiting_areas"]
        sort = VillageSortForm(request.GET or None)
        context.update(village_table(request, scope, area, found, sort, waiting, page=True))  # kept HTML
        return _render(request, "groups/report_dashboard.html", context)
    found = reading.read(area.pk, start, end, resource, scope=scope, confirmed_only=confirmed)
    snapshot, pending = found.snapshot, found.pending
    context.update(snapshot=snapshot, pending=pending)
    if snapshot is not None:
        context.update(
            page_cache.cached(
                "dashboard", scope, lambda: _dashboard_parts(request, scope, area, snapshot),
                area_id=area.pk, snapshots=snapshot, query=request.GET.urlencode(), html=True,
            )
        )
    return _render(request, "groups/report_dashboard.html", context)


def _dashboard_parts(request, scope, area, snapshot) -> dict:
    """What the dashboard builds from its snapshot (kept by page_cache)."""
    parts = dashboard(scope, area, snapshot)
    parts.update(table_context(area, [snapshot], VillageSortForm(request.GET or None)))
    parts.update(targets_context(scope, area, snapshot, parts.get("village_rows")))
    return parts


@require_http_methods(["GET"])
@login_required
def report_group(request, ref: str):
    group, scope, area = _group_report_access(request, ref)
    form, (start, end, resource), invalid = _filters(request)
    found = reading.read(
        area.pk, start, end, resource, scope=scope, group=group, confirmed_only=form.only_confirmed(),
        is_community=True,
    )
    score, pending = found.row, found.pending
    context = {
        "free_text": scope.reads_free_text_of(group),
        "group": group,
        "area": area,
        "form": form,
        **kept_filter_fields(request, scope, "report-filters"),
        "invalid_filters": invalid,
        "score": score,
        "pending": pending,
        "retry_url": reverse("groups:report_group_retry", args=[group.ref]),
    }
    if score is not None:
        context["snapshot"] = score.snapshot
        context.update(
            page_cache.cached(
                f"group-{group.pk}", scope, lambda: group_report(scope, group, score, area),
                area_id=area.pk, snapshots=score.snapshot, query=request.GET.urlencode(), html=True,
            )
        )
    return _render(request, "groups/report_group.html", context)


@require_http_methods(["GET"])
@login_required
def report_group_change(request, ref: str, activity_ref: str):
    group = access.get_group(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    activity = get_object_or_404(
        group.activities.filter(kind__in=CHANGE_KINDS).select_related("actor"), ref=activity_ref
    )
    form = ChangeWindowForm(
        request.GET if "months" in request.GET else None, initial={"months": ChangeWindowForm.DEFAULT_MONTHS}
    )
    months = (
        form.months_or_default() if form.is_bound and form.is_valid() else ChangeWindowForm.DEFAULT_MONTHS
    )
    context = {"group": group, "activity": activity, "form": form, "months": months}
    context["free_text"] = scope.reads_free_text_of(group)
    context.update(change(group, activity, months))
    return _render(request, "groups/report_group_change.html", context, partial="change")


@require_http_methods(["GET"])
@login_required
def report_person(request, ref: str):
    person, scope, own, area = _person_report_access(request, ref)
    form, (start, end, resource), invalid = _filters(request)
    found = reading.read(
        area.pk, start, end, resource, scope=scope, person=person, confirmed_only=form.only_confirmed(),
        is_community=True,
    )
    score, pending = found.row, found.pending
    context = {
        "person": person,
        "own": own,
        "name": scope.name_of(person),
        "form": form,
        **kept_filter_fields(request, scope, "report-filters"),
        "invalid_filters": invalid,
        "score": score,
        "pending": pending,
        "area": area,
        "retry_url": reverse("groups:report_person_retry", args=[person.ref]),
    }
    if score is not None:
        context["snapshot"] = score.snapshot
        name = context["name"]
        context.update(
            page_cache.cached(
                f"person-{person.pk}", scope,
                lambda: person_profile(scope, person, score, resource, own=own, name=name, area=area),
                area_id=area.pk, snapshots=score.snapshot, query=request.GET.urlencode(), html=True,
            )
        )
    return _render(request, "groups/report_person.html", context)


# ------------------------------------------------------- asking again for a computation
# A report waiting longer than QUEUE_STALE_SECONDS offers to ask again (a POST, checked like
# its page): the stuck computation is given up and a new one queued, then back to the page.


def _retry(request, scope: access.Scope, area, page_url: str):
    form, (start, end, resource), invalid = _filters(request)
    confirmed = False if invalid else form.only_confirmed()
    for community in [] if invalid else districts_below(area) or [area]:  # a regency: each district
        reading.give_up_if_stuck(community.pk, start, end, resource, confirmed_only=confirmed)
        found = reading.read(
            community.pk, start, end, resource, scope=scope, again=True, confirmed_only=confirmed
        )
        if found.snapshot is None and found.pending is None:
            messages.warning(request, _("Your other report for this area is still being computed."))
            break
    query = request.GET.urlencode()
    return redirect(f"{page_url}?{query}" if query else page_url)


@require_http_methods(["POST"])
@login_required
def report_dashboard_retry(request, ref: str):
    area = access.get_area(request, ref)
    scope = access.scope_for(request)
    access.require(scope.read_reports())
    return _retry(request, scope, area, reverse("groups:report_dashboard", args=[area.ref]))


@require_http_methods(["POST"])
@login_required
def report_group_retry(request, ref: str):
    group, scope, area = _group_report_access(request, ref)
    return _retry(request, scope, area, reverse("groups:report_group", args=[group.ref]))


@require_http_methods(["POST"])
@login_required
def report_person_retry(request, ref: str):
    person, scope, _own, area = _person_report_access(request, ref)
    return _retry(request, scope, area, reverse("groups:report_person", args=[person.ref]))


@require_http_methods(["GET"])
@login_required
def methodology(request):
    toc = [
        ("basics", _("What is counted")),
        ("community", _("One computation per community")),
        ("evidence", _("Enough evidence")),
        ("data-quality", _("Data quality")),
        ("sentences", _("How the sentences are chosen")),
        ("targets", _("Targets and the scorecard")),
        ("attention", _("Groups that need attention")),
    ]
    for key, label in INDICATORS.items():
        if key == "bonding":
            toc.append(("ties", _("Three kinds of ties")))
        toc.append((indicator_anchor(key), label))
    toc += [
        ("trends", _("Trends per quarter")),
        ("before-after", _("Before and after an activity")),
        ("privacy", _("Names and privacy")),
        ("sources", _("Sources")),
    ]
    minimums = evidence.table()
    for row in minimums:  # indicators the registry names (an entry in the making is left out)
        row["indicators"] = [key for key in row["indicators"] if key in INDICATORS]
    context = {"indicators": INDICATORS, "toc": toc, "minimums": minimums, "ei_leaning": EI_LEANING}
    context["attention_rules"] = {
        "fall": PARTICIPATION_FALL, "low": LOW_RATING, "exchanges": evidence.EXCHANGES
    }
    return render(request, "groups/methodology.html", context)
