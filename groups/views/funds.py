"""A group's own money: its funds, a fund's page (cycle, entries, loans, arisan order), a new
fund, the arisan order and the meeting ledger. Who reads and writes is asked of access.py
(get_money_group, get_fund); whose balances are shown, of Scope.shows_money_of."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from groups import access, amounts
from groups.forms import ledger as forms
from groups.services import cycles, ledger, ledger_reads, meeting_ledger, submissions

from .exchanges import _user_name
from .offline import keeps_offline_copy
from .registry import already_saved, open_members, sent_before
from .render import done, render_page

MEETINGS_LISTED = 24  # two years of monthly meetings


def _namers(request, group):
    scope = access.scope_for(request)
    return {"shows": lambda person: scope.shows_money_of(person, group), "name": scope.label_of}


@require_http_methods(["GET"])
@login_required
def fund_list(request, ref):
    group = access.get_money_group(request, ref)
    scope = access.scope_for(request)
    meetings = group.ledger_meetings.select_related("recorded_by__person")[:MEETINGS_LISTED]
    context = {
        "group": group, "rows": ledger_reads.fund_rows(group, timezone.localdate()),
        "keeps_books": scope.keeps_books(group),
        # who recorded each, named as this viewer may see them (the rule of the exchange list)
        "meetings": [(meeting, _user_name(scope, meeting.recorded_by, request.user)) for meeting in meetings],
    }
    return render_page(request, "groups/fund_list.html", context, "funds")


@require_http_methods(["GET"])
@login_required
def fund_detail(request, ref, fund_ref):
    fund = access.get_fund(request, ref, fund_ref)
    page = ledger_reads.fund_page(fund, timezone.localdate(), **_namers(request, fund.group))
    keeps_books = access.scope_for(request).keeps_books(fund.group)
    context = {"group": fund.group, "fund": fund, "page": page, "keeps_books": keeps_books}
    return render_page(request, "groups/fund_detail.html", context, "fund")


@require_http_methods(["GET", "POST"])
@login_required
def fund_create(request, ref):
    group = access.get_money_group(request, ref, write=True)
    if (again := sent_before(request)) is not None:
        return again
    form = forms.FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund = submissions.save_once(
                token=form.token, user=request.user,
                save=lambda: cycles.create_fund(
                    group=group, kind=data["kind"], name=data["name"], opened_on=data["opened_on"],
                    opening_balance=data["opening_balance"] or 0,
                    planned_end=data["planned_end"], share_out_on=data["share_out_on"],
                ),
                url_of=lambda fund: reverse("groups:fund_detail", args=[group.ref, fund.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        messages.success(request, _("The fund is open."))
        return done(request, reverse("groups:fund_detail", args=[group.ref, fund.ref]))
    return render_page(request, "groups/fund_form.html", {"group": group, "form": form}, "form")


@require_http_methods(["GET", "POST"])
@login_required
def fund_rotation(request, ref, fund_ref):
    """The arisan order of the fund's current cycle: agreed (turn numbers) or drawn by lot."""
    fund = access.get_fund(request, ref, fund_ref, write=True)
    scope = access.scope_for(request)
    labels = {person: scope.label_of(person) for person in open_members(fund.group)}
    cycle = ledger_reads.current_cycle(fund, timezone.localdate())
    form = forms.RotationForm(request.POST or None, labels=labels, initial=_turns(cycle))
    if request.method == "POST" and form.is_valid() and cycle is not None:
        order = form.cleaned_data.get("order") or ledger.draw_lots(list(labels))
        ledger.set_rotation(cycle=cycle, people=order, how=form.cleaned_data["how"])
        messages.success(request, _("The arisan order is saved."))
        return done(request, reverse("groups:fund_detail", args=[fund.group.ref, fund.ref]))
    context = {"group": fund.group, "fund": fund, "form": form, "cycle": cycle}
    return render_page(request, "groups/fund_rotation.html", context, "form")


def _turns(cycle) -> dict:
    if cycle is None:
        return {}
    turns = {f"turn_{ref}": n for ref, n in cycle.turns.values_list("person__ref", "position")}
    return {"how": cycle.rotation or "agreed", **turns}


def meeting_sheet(request, group, data=None):
    """The group's meeting ledger for the members in scope, prefilled with what is due; for
    the page and the outbox alike (views/outbox.py)."""
    scope = access.scope_for(request)
    labels = {person: scope.label_of(person) for person in open_members(group)}
    layout = meeting_ledger.layout(group)
    dues = meeting_ledger.what_is_due(group, list(labels), timezone.localdate())
    draw = meeting_ledger.next_draw(group, dues, timezone.localdate()) if data is None else None
    sheet = forms.ledger_sheet(data=data, labels=labels, dues=dues, draw=draw, **layout)
    sheet.cash = meeting_ledger.cash_by_fund(group, timezone.localdate())
    return sheet, layout


@require_http_methods(["GET", "POST"])
@login_required
@keeps_offline_copy
def fund_meeting(request, ref):
    """The meeting ledger (services/meeting_ledger.py). Kept on the phone to fill in with no
    signal; what is saved there is sent to views/outbox.outbox_ledger."""
    group = access.get_money_group(request, ref, write=True)
    if (again := sent_before(request)) is not None:
        return again
    sheet, layout = meeting_sheet(request, group, request.POST or None)
    if request.method == "POST":
        try:
            meeting = save_meeting(request, group, sheet)
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        if meeting is not None:
            messages.success(request, saved_message(meeting))
            return done(request, reverse("groups:fund_list", args=[group.ref]))
    context = {"group": group, "sheet": sheet, "max_rows": forms.MAX_ROWS, **layout}
    return render_page(request, "groups/fund_meeting.html", context, "sheet")


@require_http_methods(["POST"])
@login_required
def fund_meeting_cash(request, ref):
    """The sheet's cash check as it is being filled in (htmx, nothing saved): each fund's cash
    in the books before and after the rows so far, and the count against it."""
    group = access.get_money_group(request, ref, write=True)
    sheet, layout = meeting_sheet(request, group, request.POST)
    built = None
    if sheet.is_valid() or _rows_valid(sheet):
        try:
            built = meeting_ledger.build_sheet(
                group, sheet.head.cleaned_data["date"], sheet.members.rows(),
                sheet.filled(sheet.loans), sheet.filled(sheet.payouts),
            )
        except ledger.EntryRejected:
            built = None  # the save shows the refusal in its cell
    if built is not None:
        _cash_agrees(sheet, group, built)
    context = {"group": group, "sheet": sheet, "worked_out": True, **layout}
    return render_page(request, "groups/fund_meeting.html", context, "cash")


@require_http_methods(["POST"])
@login_required
def fund_meeting_row(request, ref):
    """The sheet as typed, with one more new-loan or payout row (?add=loan or ?add=out);
    htmx swaps the sheet, without JavaScript the button posts here and the page comes back.
    Nothing is saved here, and the sheet keeps its token: it is still the same sheet."""
    group = access.get_money_group(request, ref, write=True)
    which = forms.AddRowForm(request.GET)
    data = request.POST
    if which.is_valid():
        data = forms.with_one_more_row(data, which.cleaned_data["add"])
    sheet, layout = meeting_sheet(request, group, data)
    context = {"group": group, "sheet": sheet, "max_rows": forms.MAX_ROWS, **layout}
    return render_page(request, "groups/fund_meeting.html", context, "sheet")


def _rows_valid(sheet) -> bool:
    """Every row and the date read (the count may still be missing): the figures can be built."""
    parts = [sheet.members, *(p for p in (sheet.loans, sheet.payouts) if p is not None)]
    return "date" in sheet.head.cleaned_data and all(part.is_valid() for part in parts)


def save_meeting(request, group, sheet):
    """The meeting, or None with the reasons put on the sheet's cells (nothing saved). Raises
    submissions.AlreadySaved when the sheet's token was used before."""
    if not sheet.is_valid():
        return None
    head = sheet.head.cleaned_data
    try:
        built = meeting_ledger.build_sheet(
            group, head["date"], sheet.members.rows(), sheet.filled(sheet.loans), sheet.filled(sheet.payouts)
        )
    except ledger.EntryRejected as error:
        _show_refusal(sheet, error)
        return None
    if not _cash_agrees(sheet, group, built):
        return None
    present = [row["person"] for row in sheet.members.rows() if row.get("present")]
    try:
        return submissions.save_once(
            token=sheet.head.token, user=request.user,
            save=lambda: meeting_ledger.save_sheet(
                group=group, date=head["date"], sheet=built, present=present,
                cash_counted=head["cash_counted"], recorded_by=request.user,
            ),
            url_of=lambda _meeting: reverse("groups:fund_list", args=[group.ref]),
        )
    except ledger.EntryRejected as error:
        _show_refusal(sheet, error)
        return None


def _cash_agrees(sheet, group, built) -> bool:
    """The cash counted against the books after the sheet: a difference is shown on the sheet
    and saved only when the treasurer says so (it is then kept with the meeting)."""
    head = sheet.head.cleaned_data
    sheet.cash = meeting_ledger.cash_by_fund(group, head["date"], built)
    expected = sum((cash.after for cash in sheet.cash), meeting_ledger.ZERO)
    counted = head.get("cash_counted")
    difference = None if counted is None else counted - expected
    sheet.check = {"expected": expected, "counted": counted, "difference": difference}
    if not difference or head.get("accept_difference"):
        return True
    sheet.head.add_error("cash_counted", _(
        "The cash counted, %(counted)s, differs from the books, %(expected)s, by %(difference)s. "
        "Check the rows and the count, or tick “Save with this difference”."
    ) % {k: amounts.format_amount(v) for k, v in sheet.check.items()})
    return False


def _show_refusal(sheet, error) -> None:
    """Put a refusal in the cell it came from, or on the sheet as a whole."""
    cell = getattr(error, "cell", None)
    if cell is None:
        sheet.head.add_error(None, error.messages)
        return
    formset = {"members": sheet.members, "loans": sheet.loans, "payouts": sheet.payouts}[cell.rows]
    forms_of = formset.forms if cell.rows == "members" else sheet.filled_forms(formset)
    forms_of[cell.index].add_error(cell.field, error.messages)


def saved_message(meeting) -> str:
    count = meeting.entries.count()
    text = ngettext("%(count)d entry is saved.", "%(count)d entries are saved.", count) % {"count": count}
    if meeting.difference:
        kept = _("The cash counted differs from the books by %(difference)s; the difference is kept.")
        text += " " + kept % {"difference": amounts.format_amount(meeting.difference)}
    return text
