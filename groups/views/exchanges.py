"""A member's exchanges: the list with what waits for them, logging "I gave" / "I received",
one exchange, confirming or disputing it, their summary; and for facilitators the pending
exchanges of the people they look after.

Double submission: the log form carries a one-time UUID (hidden field) that becomes the new
exchange's ref, so the database's unique ref makes a second post of the same form find the
first exchange instead of adding a copy (services.exchanges.record_exchange_once). This needs
no model change and, unlike a token kept in the session, also holds when two posts race or
come from two tabs.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access, amounts
from groups.forms.exchanges import (
    GAVE,
    AmountReadForm,
    AnswerForm,
    DateReadForm,
    ExchangeForm,
    ExchangeStartForm,
    PageForm,
    PartySearchForm,
    PendingFilterForm,
    find_party,
    party_key,
)
from groups.forms.fields import date_in_words
from groups.models import (
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Group,
    Membership,
    Person,
    user_display_name,
)
from groups.services import exchanges as services
from groups.services import ledger_reads

from .offline import keeps_offline_copy
from .render import done, render_page, wants_fragment

PER_PAGE = 20
SEARCH_LIMIT = 12
RECENT_LIMIT = 6
RELATED = (
    "giver_person", "giver_actor", "receiver_person", "receiver_actor", "group",
    "logged_by__person", "confirmed_by__person",
)


# --- helpers ----------------------------------------------------------------------------------


def _member(scope: access.Scope) -> Person:
    """The person behind the login: these pages are about one's own exchanges (403 without)."""
    access.require(scope.log_exchanges())
    return scope.person


def form_choices(scope: access.Scope, me: Person) -> dict:
    return {
        "people": scope.exchange_partners(),
        "actors": scope.actors(),
        "groups": scope.member_groups(),
    }


def pending_for(scope: access.Scope, group: Group | None = None) -> QuerySet[Exchange]:
    """Pending exchanges a facilitator may confirm: one side is a person they look after
    (optionally: a current member of `group`). Exactly Scope.can_confirm's facilitator rule."""
    people = scope.editable_people()
    if group is not None:
        people = people.filter(pk__in=Membership.objects.open().filter(group=group).values("person_id"))
    people = people.values("pk")
    pending = Exchange.objects.filter(status=ExchangeStatus.PENDING).filter(
        Q(giver_person__in=people) | Q(receiver_person__in=people)
    )
    return scope.visible_exchanges(pending)  # another's unconsented person: hidden


def with_pending_count(scope: access.Scope, groups: QuerySet[Group]) -> QuerySet[Group]:
    """Annotate `pending_count`: per group, what pending_for(scope, group).count() gives,
    as one subquery (the count stays one query however many groups)."""
    members = Membership.objects.open().filter(
        group=OuterRef(OuterRef("pk")), person__in=scope.editable_people().values("pk")
    ).values("person_id")
    pending = (
        Exchange.objects.filter(status=ExchangeStatus.PENDING)
        .filter(Q(giver_person__in=members) | Q(receiver_person__in=members))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return groups.annotate(pending_count=Coalesce(Subquery(pending, output_field=IntegerField()), 0))


def _name(namer: access.Scope, party: Person | ExternalActor | None) -> str:
    """A party as this viewer may see it: actors by name, people by name or pseudonym."""
    if isinstance(party, Person):
        return namer.label_of(party)
    return str(party) if party is not None else ""


def _user_name(namer: access.Scope, user, viewer) -> str:
    if user is None:
        return ""
    if user.pk == viewer.pk:
        return _("you")
    person = getattr(user, "person", None)  # select_related: no query, None when missing
    return _name(namer, person) if person is not None else user_display_name(user)


@dataclass(frozen=True)
class ExchangeRow:
    """An exchange as one viewer sees it: names (or pseudonyms), and what they may do."""

    exchange: Exchange
    giver: str
    receiver: str
    logged_by: str
    answered_by: str
    can_confirm: bool
    gave: bool | None  # the viewer's own side: True gave, False received, None not a party
    shows_note: bool  # the note may name the parties: only for those who see their names

    @property
    def other(self) -> str:
        return self.receiver if self.gave else self.giver


def _row(
    exchange: Exchange, *, namer: access.Scope, me: Person | None, viewer, can_confirm: bool
) -> ExchangeRow:
    gave = None
    if me is not None and me.pk in (exchange.giver_person_id, exchange.receiver_person_id):
        gave = exchange.giver_person_id == me.pk
    answered = exchange.confirmed_by if exchange.status != ExchangeStatus.PENDING else None
    return ExchangeRow(
        exchange=exchange,
        giver=_name(namer, exchange.giver),
        receiver=_name(namer, exchange.receiver),
        logged_by=_user_name(namer, exchange.logged_by, viewer),
        answered_by=_user_name(namer, answered, viewer),
        can_confirm=can_confirm,
        gave=gave,
        shows_note=namer.shows_note_of(exchange),
    )


@dataclass(frozen=True)
class PartyOption:
    key: str
    label: str
    detail: str
    checked: bool = False


@dataclass(frozen=True)
class PartyResults:
    """The radio list under the name search: the current choice, then matches (or recent
    partners when nothing was typed)."""

    q: str
    chosen: PartyOption | None
    found: tuple[PartyOption, ...]
    more: bool = False
    recent: bool = False

    @property
    def options(self) -> tuple[PartyOption, ...]:
        return ((self.chosen,) if self.chosen else ()) + self.found


def _option(party, *, checked: bool = False) -> PartyOption:
    """Choosable people all agreed to be recorded and share a group: their names are shown."""
    if isinstance(party, Person):
        shared = getattr(party, "shared_memberships", None)
        detail = ", ".join(m.group.name for m in shared) if shared else ""
    else:
        detail = party.get_kind_display()
    return PartyOption(party_key(party), str(party), detail, checked)


def _with_shared_groups(scope, people):
    return people.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.open()
            .filter(group__in=scope.member_groups())
            .select_related("group"),
            to_attr="shared_memberships",
        )
    )


def _all_options(scope, *, people, actors) -> list[PartyOption]:
    """Everyone the member may choose, kept in the page so that the name search works with
    no signal (static/js/offline.js): exactly the form's own choices."""
    people = _with_shared_groups(scope, people).order_by("full_name")
    return [_option(party) for party in [*people, *actors.order_by("name")]]


def _party_results(scope, me, *, q: str, selected, people, actors) -> PartyResults:
    """Radio options for the other side: the current choice first, then the people and
    actors whose name contains q; with no q, the member's most recent partners."""
    people = _with_shared_groups(scope, people)
    chosen = _option(selected, checked=True) if selected is not None else None
    skip = chosen.key if chosen else None
    if q:
        found = list(people.search(q)[: SEARCH_LIMIT + 1]) + list(
            actors.filter(name__icontains=q)[: SEARCH_LIMIT + 1]
        )
        options = [o for o in map(_option, found) if o.key != skip]
        return PartyResults(q, chosen, tuple(options[:SEARCH_LIMIT]), more=len(options) > SEARCH_LIMIT)
    sides = Exchange.objects.involving(me).order_by("-date", "-pk").values_list(
        "giver_person_id", "giver_actor_id", "receiver_person_id", "receiver_actor_id"
    )[:30]
    order: list[tuple[str, int]] = []
    for gp, ga, rp, ra in sides:
        if gp == me.pk:
            other = ("person", rp) if rp else ("actor", ra)
        else:
            other = ("person", gp) if gp else ("actor", ga)
        if other not in order:
            order.append(other)
    ids = {kind: [pk for k, pk in order if k == kind] for kind in ("person", "actor")}
    known = {("person", p.pk): p for p in people.filter(pk__in=ids["person"])}
    known |= {("actor", a.pk): a for a in actors.filter(pk__in=ids["actor"])}
    recent = [_option(known[key]) for key in order if key in known]
    recent = [o for o in recent if o.key != skip][:RECENT_LIMIT]
    return PartyResults("", chosen, tuple(recent), recent=bool(recent))


def save_logged(form: ExchangeForm, *, me: Person, user) -> tuple[Exchange, bool] | None:
    """Save a posted log form, for the page and the outbox alike: (exchange, created), or
    None with the reasons added to the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    giver, receiver = (me, data["party"]) if data["direction"] == GAVE else (data["party"], me)
    try:
        return services.record_exchange_once(
            token=data["token"], giver=giver, receiver=receiver, resource=data["resource"],
            logged_by=user, date=data["date"], amount=data["amount"],
            unit=data["unit"], group=data["group"], note=data["note"],
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None


def saved_message(scope: access.Scope, form: ExchangeForm) -> str:
    return _("Saved. It stays pending until %(name)s confirms it.") % {
        "name": _name(scope, form.cleaned_data["party"])
    }


# --- a member's pages -------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
@keeps_offline_copy
def my_exchanges(request):
    scope = access.scope_for(request)
    me = _member(scope)
    form = PageForm(request.GET)
    namer = scope
    mine = scope.exchanges().involving(me).select_related(*RELATED)
    page = Paginator(mine, PER_PAGE).get_page(form.cleaned_data["page"] if form.is_valid() else 1)
    rows = [_row(x, namer=namer, me=me, viewer=request.user, can_confirm=False) for x in page]
    context = {"me": me, "page": page, "rows": rows}
    if wants_fragment(request) and request.htmx.target != "awaiting-count":
        return render(request, "groups/my_exchanges.html#exchange_list", context)
    waiting = mine.awaiting(me)
    awaiting = [
        # Scope.can_confirm needs no query for the member's own exchanges.
        _row(x, namer=namer, me=me, viewer=request.user, can_confirm=scope.can_confirm(x))
        for x in waiting[:PER_PAGE]
    ]
    context |= {"awaiting": awaiting, "awaiting_count": waiting.count() if awaiting else 0}
    return render(request, "groups/my_exchanges.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@keeps_offline_copy
def exchange_create(request):
    scope = access.scope_for(request)
    me = _member(scope)
    choices = form_choices(scope, me)
    q = ""
    if request.method == "POST":
        form = ExchangeForm(request.POST, **choices)
        if (saved := save_logged(form, me=me, user=request.user)) is not None:
            exchange, created = saved
            if created:
                messages.success(request, saved_message(scope, form))
            else:
                messages.info(request, _("This exchange was already saved."))
            return done(request, reverse("groups:exchange_detail", args=[exchange.ref]))
        selected = form.cleaned_data.get("party")
    else:
        start = ExchangeStartForm(request.GET)
        initial = {k: v for k, v in start.cleaned_data.items() if v} if start.is_valid() else {}
        q = initial.pop("q", "")
        form = ExchangeForm(initial=initial, **choices)
        selected = None
    results = _party_results(
        scope, me, q=q, selected=selected, people=choices["people"], actors=choices["actors"]
    )
    everyone = _all_options(scope, people=choices["people"], actors=choices["actors"])
    context = {"form": form, "results": results, "me": me, "all_parties": everyone}
    return render(request, "groups/exchange_create.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def exchange_party_search(request):
    """The search-as-you-type list of the log form (htmx, by POST: names stay out of addresses
    and logs); without htmx, the log page."""
    scope = access.scope_for(request)
    me = _member(scope)
    form = PartySearchForm(request.POST if request.method == "POST" else request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    if not wants_fragment(request):
        query = QueryDict(mutable=True)
        query["q"] = data.get("q", "")
        return redirect(f"{reverse('groups:exchange_create')}?{query.urlencode()}")
    choices = form_choices(scope, me)
    selected = find_party(data.get("party", ""), people=choices["people"], actors=choices["actors"])
    results = _party_results(
        scope, me, q=data.get("q", ""), selected=selected, people=choices["people"], actors=choices["actors"]
    )
    return render(request, "groups/exchange_create.html#party_results", {"results": results})


@require_http_methods(["GET"])
@login_required
def exchange_detail(request, ref):
    exchange = access.get_exchange(request, ref)  # no consent: 404 but for facilitators, parties
    scope = access.scope_for(request)
    row = _row(
        exchange, namer=scope, me=scope.person, viewer=request.user,
        can_confirm=scope.can_confirm(exchange),
    )
    context = {"row": row, "me": scope.person}
    return render_page(request, "groups/exchange_detail.html", context, "exchange_card")


def _answer(request, ref, *, settle, done: str):
    """Confirm or dispute (the two views differ only in the service and the message)."""
    exchange = access.get_exchange(request, ref)  # what one may not see, one may not answer
    scope = access.scope_for(request)
    access.require(scope.answer(exchange))
    form = AnswerForm(request.POST, allowed_hosts={request.get_host()})
    next_url = form.cleaned_data["next"] if form.is_valid() else ""
    if settle(exchange=exchange, by=request.user):
        notice, level = done, messages.SUCCESS
    else:
        notice = _("Someone answered this exchange first; it stays %(status)s.") % {
            "status": exchange.get_status_display().lower()
        }
        level = messages.INFO
    if wants_fragment(request):
        row = _row(
            exchange, namer=scope, me=scope.person, viewer=request.user,
            can_confirm=False,  # settled either way
        )
        context = {"row": row, "me": scope.person, "notice": notice, "in_list": True}
        response = render(request, "groups/exchange_detail.html#exchange_card", context)
        response["HX-Trigger"] = "exchange-answered"  # the page's counts and lists fetch again
        return response
    messages.add_message(request, level, notice)
    return HttpResponseRedirect(next_url or reverse("groups:exchange_detail", args=[exchange.ref]))


@require_http_methods(["POST"])
@login_required
def exchange_confirm(request, ref):
    return _answer(request, ref, settle=services.confirm_exchange, done=_("Exchange confirmed."))


@require_http_methods(["POST"])
@login_required
def exchange_dispute(request, ref):
    return _answer(
        request, ref, settle=services.dispute_exchange, done=_("Exchange marked as disputed.")
    )


@require_http_methods(["GET"])
@login_required
def my_summary(request):
    scope = access.scope_for(request)
    me = _member(scope)
    summary = services.member_summary(person=me, namer=scope)
    money = ledger_reads.member_money(me, timezone.localdate(), name=scope.label_of)
    return render(request, "groups/my_summary.html", {"summary": summary, "me": me, "money": money})


# --- facilitators -----------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def exchange_pending(request):
    scope = access.scope_for(request)
    access.require(scope.review_pending())
    form = PendingFilterForm(request.GET, groups=scope.editable_groups().order_by("name"))
    form.is_valid()  # an unknown group is shown as an error; the valid fields still apply
    data = form.cleaned_data
    pending = pending_for(scope, data.get("group")).select_related(*RELATED)
    page = Paginator(pending, PER_PAGE).get_page(data.get("page") or 1)
    namer = scope
    rows = [
        # pending_for() is the facilitator's Scope.can_confirm rule, without a query per row.
        _row(x, namer=namer, me=scope.person, viewer=request.user, can_confirm=True)
        for x in page
    ]
    context = {"form": form, "page": page, "rows": rows, "me": scope.person}
    return render_page(request, "groups/exchange_pending.html", context, "pending_list")


@require_http_methods(["GET"])
@login_required
def amount_read(request):
    """What an amount being typed is read as ("Read as 50.000." or why it cannot be read):
    asked by every amount field as one types, so the form, the sheet and the import share
    one rule (groups/amounts.py) and the person sees it before saving."""
    form = AmountReadForm(request.GET)
    context = {"form": form, "read": None}
    if form.is_valid() and form.cleaned_data["amount"] is not None:
        context["read"] = amounts.read_as(form.cleaned_data["amount"])
    return render(request, "groups/amount_read.html", context)


@require_http_methods(["GET"])
@login_required
def date_read(request):
    """The date being chosen in words ("Wednesday, 2 December 2026"), asked by every date input."""
    form = DateReadForm(request.GET)
    words = date_in_words(form.cleaned_data["date"]) if form.is_valid() else ""
    return HttpResponse(words or _("Enter a valid date."), content_type="text/plain; charset=utf-8")
