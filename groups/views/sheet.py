"""The meeting sheet: after a meeting the facilitator enters every exchange they witnessed
in one table, saved together as confirmed, or not at all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms import sheet as forms
from groups.services import registry as services
from groups.services import submissions

from .offline import keeps_offline_copy
from .registry import already_saved, open_members, sent_before
from .render import done, render_page, wants_fragment


def sheet_parties(request, group):
    """Who can give and receive on the sheet: the group's members and the actors in scope."""
    members = list(open_members(group))
    actors = list(access.scope_for(request).actors().order_by("name"))
    return {"members": members, "actors": actors}


def save_sheet(*, group, user, sheet: forms.SheetForm, formset) -> list | None:
    """Save a posted sheet as a whole, for the page and the outbox alike: its exchanges, or
    None with the reasons added to the forms. Raises submissions.AlreadySaved when the
    sheet's token was used before (nothing is saved twice)."""
    if not (sheet.is_valid() and formset.is_valid()):
        return None
    filled = [form for form in formset.forms if form.has_changed()]
    try:
        return submissions.save_once(
            token=sheet.token,
            user=user,
            save=lambda: services.record_sheet(
                group=group, date=sheet.cleaned_data["date"], rows=formset.filled_rows(), logged_by=user
            ),
            url_of=lambda _exchanges: reverse("groups:group_detail", args=[group.ref]),
        )
    except services.SheetRowError as error:
        filled[error.index].add_error(None, error.error.messages)
        return None


def saved_message(exchanges: list) -> str:
    return ngettext(
        "%(count)d exchange is recorded as confirmed.",
        "%(count)d exchanges are recorded as confirmed.",
        len(exchanges),
    ) % {"count": len(exchanges)}


@require_http_methods(["GET", "POST"])
@login_required
@keeps_offline_copy
def exchange_sheet(request, ref):
    group = access.get_group(request, ref, edit=True)
    if (again := sent_before(request)) is not None:
        return again
    parties = sheet_parties(request, group)
    if request.method == "POST":
        sheet = forms.SheetForm(request.POST)
        formset = forms.sheet_formset(data=request.POST, **parties)
        try:
            exchanges = save_sheet(group=group, user=request.user, sheet=sheet, formset=formset)
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        if exchanges is not None:
            messages.success(request, saved_message(exchanges))
            return done(request, reverse("groups:group_detail", args=[group.ref]))
    else:
        sheet = forms.SheetForm()
        formset = forms.sheet_formset(**parties)
    context = {"group": group, "sheet": sheet, "formset": formset, **parties}
    return render_page(request, "groups/exchange_sheet.html", context, "sheet")


@require_http_methods(["GET", "POST"])
@login_required
def exchange_sheet_row(request, ref):
    """One more row. htmx asks with GET and the current row count, and gets that row (and
    the new count, out of band); without JavaScript the sheet is posted here and comes back
    whole, as typed, with an empty row added. Nothing is saved here."""
    group = access.get_group(request, ref, edit=True)
    parties = sheet_parties(request, group)
    if wants_fragment(request) and request.method == "GET":
        count = forms.RowCountForm(request.GET)
        if not count.is_valid():
            return HttpResponse(status=204)  # the sheet is full or the count is garbled: no row
        index = count.cleaned_data["count"]
        formset = forms.sheet_formset(rows=index + 1, **parties)
        context = {"form": formset.forms[index], "total": index + 1}
        return render_page(request, "groups/exchange_sheet.html", context, "newrow")
    data = request.POST if request.method == "POST" else request.GET
    rows = forms.posted_rows(data)
    # The sheet keeps its token while rows are added: it is still the same sheet.
    sheet = forms.SheetForm(initial={k: data[k] for k in ("date", "token") if data.get(k)})
    formset = forms.sheet_formset(rows=len(rows) + 1, initial=rows, **parties)
    context = {"group": group, "sheet": sheet, "formset": formset, **parties}
    return render_page(request, "groups/exchange_sheet.html", context, "sheet")
