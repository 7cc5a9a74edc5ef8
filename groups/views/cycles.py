"""A fund's cycles: the current one's planned end and share-out date, closing one with its
share-out and opening the next (services/cycles.py). Only who keeps the group's books may
(access.get_fund, write)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access
from groups.forms import cycles as forms
from groups.services import cycles, ledger_reads, submissions

from .registry import already_saved, sent_before
from .render import done, render_page


@require_http_methods(["GET", "POST"])
@login_required
def fund_cycle_dates(request, ref, fund_ref):
    """The current cycle's planned end and share-out date (set when missing, or changed)."""
    fund = access.get_fund(request, ref, fund_ref, write=True)
    cycle = ledger_reads.current_cycle(fund, timezone.localdate())
    if cycle is None:
        raise Http404
    initial = {"planned_end": cycle.planned_end, "share_out_on": cycle.share_out_on}
    form = forms.CycleDatesForm(request.POST or None, initial=initial, starts=cycle.start)
    if request.method == "POST" and form.is_valid():
        cycles.set_cycle_dates(cycle=cycle, **form.cleaned_data)
        messages.success(request, _("The cycle's dates are saved."))
        return done(request, reverse("groups:fund_detail", args=[fund.group.ref, fund.ref]))
    context = {"group": fund.group, "fund": fund, "cycle": cycle, "form": form}
    return render_page(request, "groups/fund_cycle_dates.html", context, "form")


@require_http_methods(["GET", "POST"])
@login_required
def fund_share_out(request, ref, fund_ref):
    """The share-out worked out for a day (?date=, default today); confirmed, it is paid and
    the next cycle opens, all at once."""
    fund = access.get_fund(request, ref, fund_ref, write=True)
    if (again := sent_before(request)) is not None:
        return again
    pick = forms.ShareOutDayForm(request.GET)
    day = pick.cleaned_data["date"] if pick.is_valid() else timezone.localdate()
    form, refused = forms.ShareOutForm(request.POST or None), []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day = data["date"]
        try:
            submissions.save_once(
                token=form.token, user=request.user,
                save=lambda: cycles.share_out_and_open_next(
                    fund=fund, day=data["date"], expected_total=data["total"],
                    planned_end=data["planned_end"], share_out_on=data["share_out_on"],
                    recorded_by=request.user,
                ),
                url_of=lambda _cycle: reverse("groups:fund_detail", args=[fund.group.ref, fund.ref]),
            )
        except submissions.AlreadySaved as saved:
            return already_saved(request, saved)
        except ValidationError as refusal:  # nothing saved: a fresh form, with the shares as they are now
            refused = refusal.messages
            form = forms.ShareOutForm(initial={k: data[k] for k in ("planned_end", "share_out_on")})
        else:
            messages.success(request, _("The share-out is saved and the next cycle is open."))
            return done(request, reverse("groups:fund_detail", args=[fund.group.ref, fund.ref]))
    context = _context(request, fund, pick, form, day, refused)
    return render_page(request, "groups/fund_share_out.html", context, "page")


def _context(request, fund, pick, form, day, refused) -> dict:
    """The share-out of `day` (or why there is none) and the form confirming it."""
    scope = access.scope_for(request)
    try:
        plan = cycles.plan_share_out(fund, day)
    except ValidationError as refusal:
        plan, refused = None, list(dict.fromkeys([*refused, *refusal.messages]))
    else:
        if not form.is_bound:
            form.initial.update(date=day, total=plan.total)
    shares = [(scope.label_of(share.person), share) for share in plan.shares] if plan else []
    return {
        "group": fund.group, "fund": fund, "pick": pick, "form": form, "plan": plan,
        "shares": shares, "refused": refused, "day": day,
    }
