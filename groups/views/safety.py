"""Safety pages: the health check, the audit trail, erasure on request."""

import logging

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from groups import access, audit
from groups.forms.safety import AuditFilterForm, ErasureForm
from groups.models import Exchange
from groups.services.safety import erase_person
from groups.worker import queue_state

from .render import done, kept_filter_fields, render_page

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "HEAD"])
@never_cache
def healthz(request):
    """For monitors and load balancers: no login, no personal data, 503 while the database
    cannot answer a trivial query. The task queue is reported too: "degraded" (still 200, the
    pages are served) when a task has waited longer than QUEUE_STALE_SECONDS."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        queue = queue_state()
    except DatabaseError as exc:
        logger.warning("Health check: database unavailable: %s", exc)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    if queue.stale:
        logger.warning("Health check: a task has waited %s s", queue.oldest_waiting_seconds)
    return JsonResponse(
        {
            "status": "degraded" if queue.stale else "ok",
            "database": "ok",
            "queue": {
                "status": "stale" if queue.stale else "ok",
                "waiting": queue.waiting,
                "oldest_waiting_seconds": queue.oldest_waiting_seconds,
                "stale_after_seconds": queue.stale_after_seconds,
            },
        }
    )


# --- audit trail ------------------------------------------------------------------------------

PER_PAGE = 50


@require_http_methods(["GET"])
@login_required
def audit_list(request):
    """Who created, changed or deleted what: coordinators see their areas, staff everything."""
    scope = access.scope_for(request)
    access.require(scope.read_audit())
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = LogEntry.objects.filter(content_type__in=audit.audited_content_types())
    area_ids = scope.audit_area_ids()
    if area_ids is not None:
        entries = entries.filter(audit.entries_in_areas(area_ids))
        # An exchange with someone who gave no consent is hidden with its history, not masked:
        # even that it happened is not for the coordinator to see.
        visible = scope.visible_exchanges(Exchange.objects.all()).values("pk")
        entries = entries.exclude(
            content_type=ContentType.objects.get_for_model(Exchange),
            object_id__in=Exchange.objects.exclude(pk__in=visible).values("pk"),
        )
    if filters.get("kind"):
        entries = entries.filter(content_type__model=filters["kind"])
    if filters.get("action"):
        entries = entries.filter(action=int(filters["action"]))
    entries = entries.select_related("content_type").order_by("-timestamp", "-pk")
    page = Paginator(entries, PER_PAGE).get_page(filters.get("page") or 1)
    context = {
        "form": form,
        **kept_filter_fields(request, scope, "audit-filters"),
        "page": page,
        "rows": audit.rows_for(page.object_list, scope),
    }
    return render_page(request, "groups/audit_list.html", context, "entries")


# --- erasure on request -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def person_erase(request, ref):
    """Anonymise a person who asked to be removed (facilitators: the people they look after).
    A confirmation page first; the erasure itself is a POST."""
    person = access.get_person(request, ref, edit=True)
    if person.erased_at is not None:
        raise Http404
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        erased = erase_person(person=person, by=request.user)
        messages.success(request, gettext("The person's details are erased."))
        url = reverse("groups:person_detail", args=[erased.ref])
        return done(request, url)
    context = {
        "person": person,
        "form": form,
        "exchange_count": Exchange.objects.involving(person).count(),
        "membership_count": person.memberships.count(),
    }
    return render_page(request, "groups/person_erase.html", context, "erase-form")
