"""CSV import and export in the browser, for facilitators and coordinators.

Import: upload -> preview (every problem, or what would be created, updated, unchanged) ->
confirm -> status (progress of a long import, polled with htmx). The uploaded files wait
server-side under a random token that only the session that uploaded them may use.
Export: a .zip of the CSV files of an area in the user's scope; pseudonymised for those
who may not see names, and on request.
"""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms.transfer import ExportForm, ImportUploadForm
from groups.transfer import csvfiles, exporter, importer, storage, tasks

from .render import done, render_page

SESSION_KEY = "transfer_imports"
SHOWN_PROBLEMS = 500  # on the page; the CSV download has them all




def import_status_for(request, token: str) -> dict:
    """The import's status; 404 unless this session uploaded it (a token is never shared)."""
    if token not in request.session.get(SESSION_KEY, []):
        raise Http404
    status = storage.read_status(token)
    if status is None or status.get("user_id") != request.user.pk:
        raise Http404
    return status


def status_context(token: str, status: dict) -> dict:
    problems = status.get("problems", [])
    return {
        "token": token,
        "status": status,
        "state": status.get("state"),
        "problems": problems[:SHOWN_PROBLEMS],
        "hidden_problems": max(0, len(problems) - SHOWN_PROBLEMS),
        "problem_count": len(problems),
        "warnings": status.get("warnings", []),
        "counts": status.get("counts", []),
        "in_progress": status.get("state") in storage.IN_PROGRESS,
        "progress": status.get("progress") or {},
    }


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request):
    access.require(access.scope_for(request).may_import())
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if form.is_bound and form.is_valid():
        uploads = form.cleaned_data["files"]
        token = storage.create(
            {f.name: f.read() for f in uploads}, user_id=request.user.pk, language=get_language()
        )
        plan = importer.plan_import(storage.source(token), user=request.user)
        storage.write_status(
            token,
            {
                "state": storage.READY if plan.ok else storage.INVALID,
                "name": ", ".join(f.name for f in uploads)[:200],
                **tasks.summary(plan),
            },
        )
        if not plan.ok:
            storage.discard_files(token)
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], token]
        return done(request, reverse("groups:import_preview", args=[token]))
    context = {
        "form": form,
        "columns": [(csvfiles.file_label(n), c, csvfiles.REQUIRED[n]) for n, c in csvfiles.COLUMNS.items()],
    }
    return render_page(request, "groups/transfer_import_upload.html", context, "form")


@require_http_methods(["GET"])
@login_required
def import_preview(request, token: str):
    access.require(access.scope_for(request).may_import())
    status = import_status_for(request, token)
    if status.get("state") not in (storage.READY, storage.INVALID):
        return redirect("groups:import_status", token=token)
    return render_page(
        request, "groups/transfer_import_preview.html", status_context(token, status), "preview"
    )


@require_http_methods(["POST"])
@login_required
def import_confirm(request, token: str):
    access.require(access.scope_for(request).may_import())
    status = import_status_for(request, token)
    # claim() lets one confirmation through when a button is pressed twice.
    if status.get("state") == storage.READY and storage.claim(token):
        storage.write_status(token, {"state": storage.QUEUED, "progress": None})
        if status.get("to_write", 0) > tasks.BACKGROUND_ROWS:
            tasks.run_import.enqueue(token=token, user_id=request.user.pk, language=get_language())
        else:
            tasks.apply_upload(token, request.user)
    return done(request, reverse("groups:import_status", args=[token]))


@require_http_methods(["GET"])
@login_required
def import_status(request, token: str):
    access.require(access.scope_for(request).may_import())
    status = import_status_for(request, token)
    if status.get("state") in (storage.READY, storage.INVALID):
        return redirect("groups:import_preview", token=token)
    return render_page(request, "groups/transfer_import_status.html", status_context(token, status), "status")


@require_http_methods(["GET"])
@login_required
def import_problems(request, token: str):
    """Every problem of an import as a CSV file, to fix the spreadsheet row by row."""
    access.require(access.scope_for(request).may_import())
    status = import_status_for(request, token)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "row", "column", "message"])
    for file, row, column, message in status.get("problems", []):
        writer.writerow([csvfiles.neutralise(str(v)) for v in (file, row or "", column, message)])
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-problems.csv"'
    return response


@require_http_methods(["GET"])
@login_required
def export_download(request):
    scope = access.scope_for(request)
    access.require(scope.export())
    form = ExportForm(
        request.GET or None,
        areas=scope.export_areas().order_by("name"),
        whole_allowed=scope.export_everything(),
    )
    if request.GET and form.is_valid():
        area = form.cleaned_data["area"]
        # names per person, as on the pages (access.Scope.names); on request, none at all
        pseudonymize = form.cleaned_data["pseudonymize"] or not scope.sees_names
        texts = exporter.export_community(area=area, pseudonymize=pseudonymize, user=request.user)
        name = f"communitymap-{area.ref if area else 'all'}-{timezone.localdate().isoformat()}"
        response = HttpResponse(csvfiles.zip_bytes(texts, folder=name), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
        return response
    context = {"form": form, "forced_pseudonyms": not scope.sees_names, "may_import": scope.may_import()}
    return render_page(request, "groups/transfer_export.html", context, "form")
