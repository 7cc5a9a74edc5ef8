"""Data quality per group, stored with each snapshot (GroupScore.quality): how many exchanges
the members' figures rest on and how sure they are.

For each group, over the exchanges in the window with at least one member at either end
(memberships open in the window; the snapshot's resource filter applies; disputed ones are
counted here, as they were logged):

* ``logged``: exchanges logged;
* ``confirmed`` / ``pending`` / ``disputed``: how many of them have each status;
* ``sheet`` / ``self`` / ``other``: who entered them. Exchanges carry no mark of the meeting
  sheet, so the nearest honest sign is used: ``sheet`` = logged by someone who is neither
  party, confirmed by that same person as witnessed, within a group (what the meeting sheet
  writes, services.registry.record_sheet); ``self`` = logged by the giver or the receiver
  themselves (their login); ``other`` = the rest (imports, an operator's entries, or a login
  since removed);
* ``members`` and ``active_members``: the group's members and those party to at least one
  counted (not disputed) exchange.

Shares are left to the page (count / logged). Two queries per snapshot.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Q

from groups.models import Exchange, ExchangeStatus, Person

from .collect import Collected

KEYS = ("logged", "confirmed", "pending", "disputed", "sheet", "self", "other", "members", "active_members")


def entered_by(logged_by: int | None, confirmed_by: int | None, group: int | None, party_users: set) -> str:
    """ "sheet", "self" or "other" (see the module docstring)."""
    if logged_by is not None and logged_by in party_users:
        return "self"
    if logged_by is not None and confirmed_by == logged_by and group is not None:
        return "sheet"
    return "other"


def group_quality(collected: Collected, resource: str = "", confirmed_only: bool = False) -> dict[int, dict]:
    """Group pk -> its quality figures (KEYS) for the collected window."""
    window = collected.window
    members = collected.members(window)
    people = {p for ms in members.values() for p in ms}
    exchanges = Exchange.objects.filter(date__gte=window.start, date__lte=window.end).filter(
        Q(giver_person_id__in=people) | Q(receiver_person_id__in=people)
    )
    if resource:
        exchanges = exchanges.filter(resource=resource)
    if confirmed_only:
        exchanges = exchanges.filter(status=ExchangeStatus.CONFIRMED)
    rows = list(
        exchanges.values_list(
            "giver_person_id", "receiver_person_id", "status", "logged_by_id", "confirmed_by_id", "group_id"
        ).order_by()
    )
    parties = {p for g, r, *_ in rows for p in (g, r) if p}
    user_of = dict(Person.objects.filter(pk__in=parties, user__isnull=False).values_list("pk", "user_id"))
    groups_of: dict[int, set[int]] = defaultdict(set)
    for gid, ms in members.items():
        for m in ms:
            groups_of[m].add(gid)
    tally: dict[int, Counter] = defaultdict(Counter)
    active: dict[int, set[int]] = defaultdict(set)
    for giver, receiver, status, logged_by, confirmed_by, group in rows:
        ends = [p for p in (giver, receiver) if p]
        source = entered_by(logged_by, confirmed_by, group, {user_of[p] for p in ends if p in user_of})
        touched: set[int] = set()
        for p in ends:
            touched.update(groups_of.get(p, ()))
        for gid in touched:  # a group with both ends a member counts the exchange once
            counts = tally[gid]
            counts["logged"] += 1
            counts[status] += 1
            counts[source] += 1
        if status != ExchangeStatus.DISPUTED:
            for p in ends:
                for gid in groups_of.get(p, ()):  # p's groups: those p is a member of
                    active[gid].add(p)
    return {
        gid: {
            **{key: tally[gid][key] for key in KEYS[:7]},
            "members": len(ms),
            "active_members": len(active[gid]),
        }
        for gid, ms in members.items()
    }
