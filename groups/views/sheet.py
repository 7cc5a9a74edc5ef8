"""The meeting sheet: after a meeting the facilitator enters every exchange they witnessed
in one table, saved together as confirmed, or not at all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from groups import access, printing
from groups.forms import sheet as forms
from groups.models import Exchange
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


def paper_key(group, parties) -> forms.SheetKey:
    """The numbers of the printed sheet and the quick entry: the members, and the group's
    usual actors (those in its exchanges or activities; else every actor one may choose)."""
    actors = parties["actors"]
    usual = set(
        Exchange.objects.filter(group=group).values_list("giver_actor_id", flat=True)
    ) | set(Exchange.objects.filter(group=group).values_list("receiver_actor_id", flat=True))
    usual |= set(group.activities.values_list("actor_id", flat=True))
    if usual - {None}:
        actors = [actor for actor in actors if actor.pk in usual]
    return forms.sheet_key(members=parties["members"], actors=actors)


def paper_words(group) -> printing.Words:
    return printing.Words(
        title=_("Meeting sheet of %(name)s") % {"name": group.name},
        subtitle=_(
            "Write one exchange per row: the giver's number, the receiver's number, the resource "
            "letter and the amount. Then type the rows on the meeting sheet page, e.g. “12 7 k 5000”."
        ),
        date_line=_("Date of the meeting: ______________________"),
        members=_("Members"),
        actors=_("External actors"),
        resources=_("Resources"),
        headings=("#", _("Giver"), _("Receiver"), _("Resource"), _("Amount"), _("Note")),
    )


@require_http_methods(["GET"])
@login_required
def exchange_sheet_print(request, ref):
    """The sheet to print on A4 (print stylesheet), with a link to the same as a PDF."""
    group = access.get_group(request, ref, edit=True)
    key = paper_key(group, sheet_parties(request, group))
    rows = range(1, printing.EMPTY_ROWS + 1)
    context = {"group": group, "key": key, "words": paper_words(group), "rows": rows}
    return render(request, "groups/exchange_sheet_print.html", context)


@require_http_methods(["GET"])
@login_required
def exchange_sheet_pdf(request, ref):
    group = access.get_group(request, ref, edit=True)
    key = paper_key(group, sheet_parties(request, group))
    pdf = printing.sheet_pdf(key=key, words=paper_words(group))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sheet-{group.ref}.pdf"'
    return response


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
    if not wants_fragment(request):
        context["key"] = paper_key(group, parties)
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
