"""Working where the signal drops: the service worker, the web app manifest, the page shown
offline, and the list of pages a user may open with no signal.

The service worker's code is the static file static/js/sw.js; it is served from the site's
root (a view, not /static/) so that its scope is the whole site. Before its code the view
writes one line of settings (the static files to keep, the offline page, a version that
changes when any of them changes), so the worker never guesses a hashed file name.

Which pages are kept on the phone is decided here, per view (`keeps_offline_copy`): only
those are answered without `no-store` (groups/middleware.NoStoreMiddleware), and the worker
keeps nothing that is marked no-store. What a user may open offline is asked of access.py
like every other door (`offline_pages`).
"""

import functools
import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access
from groups.models import Fund

from .render import wants_fragment

#: At most this many meeting sheets are kept (staff may edit every group: not all of them).
MAX_SHEETS = 40

#: Kept on the phone when the worker is installed: what every page needs to show at all.
SHELL_STATIC = (
    "css/site.css",
    "css/charts.css",
    "css/forms.css",
    "js/forms.js",
    "js/offline.js",
    "js/outbox.js",
    "js/sheet.js",
    "favicon.svg",
    "icons/icon-192.png",
    "django_htmx/htmx-2.min.js",
)


def offline_key(user) -> str:
    """Who a page, a kept copy or a queued item belongs to, without the user's id in the
    page: a keyed hash of the id. Empty for anonymous visitors."""
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("communitymap.offline", str(user.pk)).hexdigest()[:20]


def keeps_offline_copy(view):
    """A page the phone may keep to open with no signal: its whole-page answers to GET are
    sent `private, no-cache` (kept, but asked again whenever there is a network) instead of
    `no-store`. Fragments and error pages stay no-store."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and not wants_fragment(request):
            response.keeps_offline_copy = True
        return response

    return wrapper


def _shell() -> dict:
    return {
        "static": [static(path) for path in SHELL_STATIC],
        "offline": reverse("groups:offline_page"),
        "pages": reverse("groups:offline_pages"),
        "login": reverse("login"),
    }


@require_http_methods(["GET"])
def service_worker(request):
    """/sw.js: static/js/sw.js after one line of settings, scoped to the whole site."""
    with open(finders.find("js/sw.js"), encoding="utf-8") as source:
        code = source.read()
    shell = _shell()
    digest = hashlib.sha256((json.dumps(shell) + code).encode())
    for path in SHELL_STATIC:  # unhashed names in development: a changed file is a new version
        with open(finders.find(path), "rb") as kept:
            digest.update(kept.read())
    version = digest.hexdigest()[:12]
    settings_line = f"self.CM_OFFLINE = {json.dumps({**shell, 'version': version})};\n"
    response = HttpResponse(settings_line + code, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"  # the browser asks for a new worker on every visit
    return response


@require_http_methods(["GET"])
def manifest(request):
    """The web app manifest: what a phone needs to put CommunityMap on its home screen."""
    data = {
        "name": _("CommunityMap"),
        "short_name": _("CommunityMap"),
        "description": _("Informal groups, their norms and the help that flows between people."),
        "start_url": reverse("groups:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f7f8f6",
        "theme_color": "#1f6f5c",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_http_methods(["GET"])
def offline_page(request):
    """What a page that needs the network shows with no signal (kept by the worker, one copy
    per language; it names nobody)."""
    response = render(request, "offline.html", {})
    response.keeps_offline_copy = True
    return response


@require_http_methods(["GET"])
@login_required
def offline_pages(request):
    """The pages this user may open with no signal: a member's log form and their
    exchanges; a facilitator's group list and the meeting sheet of each group they look
    after; the meeting ledger of each group with a fund whose books they keep (a treasurer's
    too). The worker fetches and keeps them (each one still asks access.py itself)."""
    scope = access.scope_for(request)
    urls = []
    if scope.log_exchanges():
        urls += [reverse("groups:exchange_create"), reverse("groups:my_exchanges")]
    if scope.read_registry():
        urls.append(reverse("groups:group_list"))
    if scope.register():
        refs = scope.editable_groups().order_by("name").values_list("ref", flat=True)[:MAX_SHEETS]
        urls += [reverse("groups:exchange_sheet", args=[ref]) for ref in refs]
    # the meeting ledger of each group whose books they keep (facilitators, treasurers)
    books = scope.book_kept_groups().filter(pk__in=Fund.objects.open().values("group_id")).order_by("name")
    refs = books.values_list("ref", flat=True)[:MAX_SHEETS]
    urls += [reverse("groups:fund_meeting", args=[ref]) for ref in refs]
    return JsonResponse({"user": offline_key(request.user), "urls": urls})
