"""How every view answers: the whole page, or for htmx only the region it swaps.

One rule for all pages: an htmx request gets the page's named partial (`page.html#name`),
except a history-restore request. htmx 2 sends `HX-Request` also when Back finds no copy of
the page in its history cache; that request must get the whole page, or the browser would
show a bare fragment with no navigation around it.
"""

from django.shortcuts import redirect, render
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from groups.scores import page_cache


def wants_fragment(request) -> bool:
    """True for an htmx request that swaps a region (not a history restore)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(request, template: str, context: dict, partial: str):
    """The whole page, or only its named partial for an htmx request."""
    if wants_fragment(request):
        template = f"{template}#{partial}"
    return render(request, template, context)


def done(request, url: str):
    """Redirect after a successful post; htmx follows it as a full page load."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def kept_filter_fields(request, scope, part: str) -> dict:
    """A filter form's fields, whose choices are fixed in the code: kept once per query,
    language and day (dates are checked against today) for {% kept filters_key filters_html %}
    around them in the template (page_cache). Kept per viewer class, as every page part is
    (the key holds it), though nothing in them depends on the viewer."""
    query = f"{request.GET.urlencode()}|{timezone.localdate()}"
    kept = page_cache.cached(part, scope, dict, area_id=0, query=query, districts=(), html=True)
    return {"filters_key": kept["page_key"], "filters_html": kept.get("page_html")}
