"""A member who logged in with a one-time password chooses their own before anything else;
no authenticated response is kept by a browser or proxy cache."""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from groups import access
from groups.services.registry import one_time_password_expired

#: What a user who must choose a password may still open.
EXEMPT = (
    "groups:account_password",
    "logout",
    "set_language",
    "groups:service_worker",
    "groups:manifest",
    "groups:offline_page",
)


def _paths(names: tuple[str, ...]) -> frozenset[str]:
    """The paths of these URL names, worked out once per URLconf and script prefix (every
    request asks)."""
    return _reversed(names, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=16)
def _reversed(names: tuple[str, ...], urlconf: str, prefix: str) -> frozenset[str]:
    return frozenset(reverse(name, urlconf=urlconf) for name in names)


class MustChangePasswordMiddleware:
    """Sends a user whose Person.must_change_password is set to the "choose your password"
    page. Let through: that page, logging out, static files and the language switch."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not self._exempt(request.path):
            person = access.scope_for(request).person  # cached: views reuse it
            if person is not None and person.must_change_password:
                url = reverse("groups:account_password")
                if one_time_password_expired(request.user):  # 7 days: the session ends too
                    logout(request)
                    url = reverse("login")
                if request.headers.get("HX-Request") == "true":
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return path in _paths(EXEMPT) or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response to a logged-in user: pages,
    htmx fragments and downloads hold names, phones and debts.

    The few pages that must open with no signal (views/offline.keeps_offline_copy) are sent
    `private, no-cache` instead: the phone may keep them, asks again whenever it can, and
    the copies are removed at logout (Clear-Site-Data here, the service worker's own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(response, "keeps_offline_copy", False):
            patch_cache_control(response, no_cache=True, private=True)
            patch_vary_headers(response, ["Cookie"])
        elif user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        if request.method == "POST" and request.path in _paths(("logout",)):
            # A shared phone: the browser's own cache of this site goes with the session.
            response["Clear-Site-Data"] = '"cache"'
        return response
