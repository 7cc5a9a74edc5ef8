"""Request-level protections: login throttling, the audit actor, the 503 page when the
database is away. Settings that switch them on are in communitymap/settings.py."""

import ipaddress
import logging
import math
import sys

from auditlog.middleware import AuditlogMiddleware
from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def client_ip(request) -> str | None:
    """The client address for login throttling. Behind TRUSTED_PROXY_COUNT proxies it is the
    address the outermost trusted proxy appended to X-Forwarded-For; anything before that
    was written by the client and is ignored."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check before every login from the network. authenticate() without a
    request (a shell, the test client's login()) comes from no address and is not throttled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AuditActorMiddleware(AuditlogMiddleware):
    """Records the logged-in user as the actor of audit entries. The user is looked up only
    when an entry is written, so requests that change nothing (and /healthz while the
    database is down) never touch the session table for it."""

    @staticmethod
    def _get_actor(request):
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def database_unavailable_response() -> HttpResponse:
    """The 503 page. Rendered without request context: no session, user or message lookups,
    which would need the database that is missing."""
    html = render_to_string("503.html", {"LANGUAGE_CODE": get_language()})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is unreachable answers 503 with a clear page
    instead of a 500. Django reconnects on the next request, so the site recovers by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        logger.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response()


def server_error(request):
    """handler500: errors raised outside a view (a middleware loading the session) reach
    here; a database outage still gets the 503 page."""
    if is_database_outage(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked username and address: a translated page saying when
    to try again (429 Too Many Requests)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0,
    }
    return render(request, "registration/lockout.html", context, status=429)
