"""Needs attention: the groups of an area to visit, each with its reasons in plain words, the
groups with the most reasons first and, among those, the most recent reason first.

A reason is given only where the records carry it (evidence.py): a fall in participation
when both quarters rest on enough activities with attendance; a fall in exchanges when the
quarter before had at least evidence.EXCHANGES; aid over its target when the share rests on
enough exchanges; "holds the group together" (in the group's own network of members) only
for a group with at least evidence.EXCHANGES exchanges (as the group page says it). The
quarters compared are the last two complete ones (villages.complete_quarters). No person is
named. Five queries (six for a snapshot from before DEFINITIONS 5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groups import access
from groups.models import Area, GroupScore, NormReview, ScoreSnapshot

from .. import evidence, reading
from ..layouts import held_together
from ..targets import ON, in_force, status
from .scorecard import goal_text
from .villages import complete_quarters

#: A fall in participation of at least this many percentage points (as shown) is a reason.
PARTICIPATION_FALL = 10
#: A norm review at or below this rating (of 1-5) is low; the latest two low is a reason.
LOW_RATING = 2
#: Groups listed (the count says how many need a visit).
LISTED = 20


@dataclass
class Visit:
    ref: str
    name: str
    url: str | None  # its report, when the viewer may read it
    card_url: str | None = None  # its report card (the same access as its report)
    reasons: list[tuple[dt.date, str]] = field(default_factory=list)

    @property
    def latest(self) -> dt.date:
        return max(day for day, _text in self.reasons)

    @property
    def texts(self) -> list[str]:
        return [text for _day, text in sorted(self.reasons, key=lambda r: r[0], reverse=True)]


def _quiet(row: dict, end: dt.date) -> tuple[dt.date, str] | None:
    if not row["quiet"]:
        return None
    since = row["last_activity"] or row["group__formed_on"] or row["group__created_at"].date()
    weeks = max((end - since).days // 7, 0)
    return since, ngettext("Quiet for %(weeks)d week.", "Quiet for %(weeks)d weeks.", weeks) % {
        "weeks": weeks
    }


def _falls(row: dict, pair: tuple[int, int] | None, ends: list[dt.date]) -> list[tuple[dt.date, str]]:
    """Participation and exchanges between the last two complete quarters."""
    if pair is None:
        return []
    trend, (i, j) = row["trend"] or {}, pair
    found = []
    bases = trend.get("bases") or []
    part = trend.get("participation") or []
    if len(part) > j and len(bases) > j and part[i] is not None and part[j] is not None:
        before, after = round(part[i] * 100), round(part[j] * 100)
        trusted = evidence.enough("participation", bases[i]) and evidence.enough("participation", bases[j])
        if trusted and before - after >= PARTICIPATION_FALL:
            found.append(
                (
                    ends[j],
                    _("Participation fell from %(before)s%% to %(after)s%%.")
                    % {"before": before, "after": after},
                )
            )
    counts = trend.get("exchanges") or []
    if len(counts) > j and (counts[i] or 0) >= evidence.EXCHANGES and 2 * (counts[j] or 0) <= counts[i]:
        found.append(
            (
                ends[j],
                _("Exchanges fell by half or more: from %(before)d to %(after)d in a quarter.")
                % {"before": counts[i], "after": counts[j] or 0},
            )
        )
    return found


def _aid(row: dict, targets: dict, end: dt.date) -> tuple[dt.date, str] | None:
    target = targets.get(row["group__area_id"], {}).get("aid_dependence")
    value = row["aid_dependence"]
    if target is None or not evidence.enough("aid_dependence", row["bases"]) or value is None:
        return None
    if status(target, value, True).code == ON:
        return None
    shown = evidence.shown("aid_dependence", goal_text("aid_dependence", round(value * 100)), row["bases"])
    return end, _("Aid is %(value)s, over the target of %(goal)s.") % {
        "value": shown,
        "goal": goal_text("aid_dependence", target.goal),
    }


def _low_norms(group_ids: list[int], end: dt.date) -> dict[int, dt.date]:
    """Group pk -> the day of the latest review of a norm in force whose last two reviews were low."""
    reviews = (
        NormReview.objects.filter(norm__group_id__in=group_ids, norm__is_active=True, reviewed_on__lte=end)
        .order_by("norm_id", "-reviewed_on", "-pk")
        .values_list("norm_id", "norm__group_id", "rating", "reviewed_on")
    )
    latest: dict[int, list] = {}
    for norm, group, rating, day in reviews:
        latest.setdefault(norm, [group, []])[1].append((rating, day))
    found: dict[int, dt.date] = {}
    for group, ratings in latest.values():
        if len(ratings) >= 2 and all(r <= LOW_RATING for r, _day in ratings[:2]):
            found[group] = max(found.get(group, ratings[0][1]), ratings[0][1])
    return found


def _held_together(snapshot: ScoreSnapshot, group_ids: list[int]) -> dict[int, int]:
    """Group pk -> held_together, for the groups with enough exchanges to say it: stored with
    the snapshot; worked out from the stored networks (a few at a time: a district's add up to
    megabytes) only for a snapshot computed before it was stored (DEFINITIONS 5), until its
    recomputation is done."""
    rows = GroupScore.objects.filter(
        snapshot=snapshot, group_id__in=group_ids, exchanges__gte=evidence.EXCHANGES
    )
    held = dict(rows.values_list("group_id", "held_together"))
    older = [group for group, value in held.items() if value is None]
    if older:
        networks = rows.filter(group_id__in=older).values_list("group_id", "network")
        held.update((group, held_together(network)) for group, network in networks.iterator(chunk_size=50))
    return held


def needs_attention(scope: access.Scope, area: Area, snapshot: ScoreSnapshot) -> dict:
    """{"attention": the groups listed, "attention_count": how many need a visit}."""
    rows = list(
        reading.part_groups(
            GroupScore.objects.filter(snapshot=snapshot), reading.part_area_ids(snapshot, area)
        ).values(
            "group_id",
            "group__ref",
            "group__name",
            "group__area_id",
            "group__formed_on",
            "group__created_at",
            "quiet",
            "last_activity",
            "trend",
            "bases",
            "aid_dependence",
            "exchanges",
        )
    )
    ids = [r["group_id"] for r in rows]
    end, pair = snapshot.period_end, complete_quarters(snapshot)
    ends = [dt.date.fromisoformat(q["end"]) for q in (snapshot.trend or {}).get("quarters", [])]
    targets = in_force({r["group__area_id"] for r in rows})
    low, held = _low_norms(ids, end), _held_together(snapshot, ids)
    readable = set(scope.groups().filter(pk__in=ids).values_list("pk", flat=True))
    visits = []
    for row in rows:
        gid = row["group_id"]
        visit = Visit(row["group__ref"], row["group__name"], None)
        if gid in readable:
            visit.url = reverse("groups:report_group", args=[visit.ref])
            visit.card_url = reverse("groups:group_card", args=[visit.ref])
        visit.reasons += [r for r in (_quiet(row, end), _aid(row, targets, end)) if r] + _falls(
            row, pair, ends
        )
        if gid in low:
            visit.reasons.append((low[gid], _("A norm was rated low at its last two reviews.")))
        if held.get(gid):
            text = ngettext(
                "One member holds the group together: without them, %(count)d member would lose "
                "touch with the rest of the group.",
                "One member holds the group together: without them, %(count)d members would lose "
                "touch with the rest of the group.",
                held[gid],
            )
            visit.reasons.append((end, text % {"count": held[gid]}))
        if visit.reasons:
            visits.append(visit)
    visits.sort(key=lambda v: (-len(v.reasons), -v.latest.toordinal(), v.name, v.ref))
    return {"attention": visits[:LISTED], "attention_count": len(visits)}
