"""The outbox's doors: what a phone kept while it had no signal (static/js/outbox.js) is sent
here, one item at a time, oldest first, when the signal returns.

An item is exactly the form the page would have posted, with its one-time token. It goes
through the same access call, form and service as the live page (views/exchanges.save_logged,
views/sheet.save_sheet, views/funds.save_meeting): an outbox is no way around scope, consent
or validation. The answer is JSON: accepted (saved now, or already saved by an earlier send
whose answer was lost) or refused with the reasons in the user's language, keyed by the
fields' names so the page shows each one beside its field. An item queued under another login
on the same phone is refused: it is never saved under the wrong name.
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms import sheet as sheet_forms
from groups.forms.exchanges import ExchangeForm
from groups.models import Exchange
from groups.services import submissions
from groups.services.exchanges import token_ref

from . import exchanges as exchange_views
from . import funds as fund_views
from . import sheet as sheet_views
from .offline import offline_key

OWNER = "outbox_owner"  # the posted field naming who queued the item (offline_key)


def accepted(message: str, url: str) -> JsonResponse:
    return JsonResponse({"state": "accepted", "message": message, "url": url})


def refused(message: str, errors: dict[str, list[str]] | None = None, *, status: int = 200) -> JsonResponse:
    return JsonResponse({"state": "refused", "message": message, "errors": errors or {}}, status=status)


def form_errors(form, *, prefix: str = "") -> dict[str, list[str]]:
    """A form's errors keyed by the posted field names ("party", "rows-2-giver"); errors of
    the whole form (or row) under the prefix alone ("" or "rows-2")."""
    found = {}
    for name, errors in form.errors.items():
        key = prefix.rstrip("-") if name == "__all__" else form.add_prefix(name)
        found.setdefault(key, []).extend(str(e) for e in errors)
    return found


def formset_errors(formset) -> dict[str, list[str]]:
    """A formset's errors by posted field name: each row's, and the formset's own under ""."""
    errors: dict[str, list[str]] = {}
    for row in formset.forms:
        for key, messages in form_errors(row, prefix=row.prefix + "-").items():
            errors.setdefault(key, []).extend(messages)
    for message in formset.non_form_errors():
        errors.setdefault("", []).append(str(message))
    return errors


def not_owner(request) -> JsonResponse | None:
    if request.POST.get(OWNER, "") != offline_key(request.user):
        return refused(_("This was entered on this phone by someone else. It is not sent under your name."))
    return None


@require_http_methods(["POST"])
@login_required
def outbox_exchange(request):
    """A member's "I gave" / "I received", queued with no signal."""
    if (other := not_owner(request)) is not None:
        return other
    scope = access.scope_for(request)
    if not scope.log_exchanges():
        return refused(_("Only members can log their own exchanges."))
    me = scope.person
    form = ExchangeForm(request.POST, **exchange_views.form_choices(scope, me))
    earlier = Exchange.objects.filter(ref=_ref(form["token"].value()), logged_by=request.user).first()
    if earlier is not None:  # the first send was saved and its answer lost: nothing twice
        return accepted(_("This exchange was already saved."), earlier_url(earlier))
    saved = exchange_views.save_logged(form, me=me, user=request.user)
    if saved is None:
        return refused(_("Not saved. Correct what is marked and send it again."), form_errors(form))
    exchange, _created = saved
    return accepted(exchange_views.saved_message(scope, form), earlier_url(exchange))


def _ref(token) -> str:
    try:
        return token_ref(uuid.UUID(str(token)))
    except ValueError:
        return ""


def earlier_url(exchange: Exchange) -> str:
    return reverse("groups:exchange_detail", args=[exchange.ref])


@require_http_methods(["POST"])
@login_required
def outbox_sheet(request, ref):
    """A facilitator's meeting sheet, queued with no signal: saved as a whole or not at all."""
    if (other := not_owner(request)) is not None:
        return other
    # The live page's rule (access.get_group with edit=True), answered as a refusal, not a 404.
    group = access.scope_for(request).editable_groups().select_related("area").filter(ref=ref).first()
    if group is None:
        return refused(_("You no longer look after this group: the sheet cannot be saved."))
    parties = sheet_views.sheet_parties(request, group)
    sheet = sheet_forms.SheetForm(request.POST)
    formset = sheet_forms.sheet_formset(data=request.POST, **parties)
    try:
        # Sent before (its answer lost)? Checked before validating, as the live page does.
        if (saved := submissions.sent_before(token=request.POST.get("token"), user=request.user)) is not None:
            raise saved
        exchanges = sheet_views.save_sheet(group=group, user=request.user, sheet=sheet, formset=formset)
    except submissions.AlreadySaved as saved:
        if not saved.url:  # another user's token: never theirs to see
            return refused(_("This form has already been used. Open a new form."))
        return accepted(_("This was already saved, so nothing was saved twice."), saved.url)
    if exchanges is None:
        errors = form_errors(sheet)
        for key, messages in formset_errors(formset).items():
            errors.setdefault(key, []).extend(messages)
        why = _("Nothing on this sheet was saved. Correct what is marked and send it again.")
        return refused(why, errors)
    return accepted(sheet_views.saved_message(exchanges), reverse("groups:group_detail", args=[group.ref]))


@require_http_methods(["POST"])
@login_required
def outbox_ledger(request, ref):
    """A meeting ledger filled in with no signal (views/funds.fund_meeting): the same access
    call, forms and service as the page, so it is saved as a whole or not at all. Refused
    with 404 outside the user's scope and 403 without the right to keep the group's books,
    as the page would answer, but with the reason in words (the phone shows it)."""
    if (other := not_owner(request)) is not None:
        return other
    group, status = access.answer_of(access.get_money_group, request, ref, write=True)
    if status == 404:
        why = _("This group is not in your area (any more): the meeting ledger cannot be saved.")
        return refused(why, status=404)
    if status == 403:
        why = _("You do not keep this group's books (any more): the meeting ledger cannot be saved.")
        return refused(why, status=403)
    sheet, _layout = fund_views.meeting_sheet(request, group, request.POST)
    try:
        # Sent before (its answer lost)? Checked before validating: the first send changed what is due.
        if (saved := submissions.sent_before(token=request.POST.get("token"), user=request.user)) is not None:
            raise saved
        meeting = fund_views.save_meeting(request, group, sheet)
    except submissions.AlreadySaved as saved:
        if not saved.url:  # another user's token: never theirs to see
            return refused(_("This form has already been used. Open a new form."))
        return accepted(_("This was already saved, so nothing was saved twice."), saved.url)
    if meeting is None:
        why = _("Nothing on this meeting ledger was saved. Correct what is marked and send it again.")
        return refused(why, ledger_errors(sheet))
    return accepted(fund_views.saved_message(meeting), reverse("groups:fund_list", args=[group.ref]))


def ledger_errors(sheet) -> dict[str, list[str]]:
    """The meeting ledger's reasons by posted field name ("m-1-savings", "cash_counted")."""
    errors = form_errors(sheet.head)
    for part in (sheet.members, sheet.loans, sheet.payouts):
        if part is None:
            continue
        for key, messages in formset_errors(part).items():
            errors.setdefault(key, []).extend(messages)
    return errors
