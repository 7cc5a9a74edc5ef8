"""A group before and after a training or planning forum (definition 8 of the methodology page).

Both sides are computed on the spot with the same computation as the group report: the whole
community the group is in (areas.community_of), its members open in each side's months, without
betweenness (not shown here). The activity's day belongs to neither side. Beside the group's
change stands the median change of the community's other groups over the same dates (those
without a training or forum then): the "difference from comparison groups". Learning around the
activity is split: what the activity's institution gave members, what members passed to each
other, and what attendees passed to members who did not attend. A clue, not a proof.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Activity, Exchange

from .. import analysis, charts, evidence, sentences
from ..areas import community_of
from ..collect import Collected, collect
from ..indicators import BY_KEY, CHANGE_ROWS, SHARE, label
from ..windows import add_months
from .common import pct_axis, safe_svg
from .group import CHANGE_KINDS


@dataclass(frozen=True)
class Side:
    """One side of the activity: the community's rows and scores for those months."""

    start: dt.date
    end: dt.date
    collected: Collected
    scores: analysis.ScopeScores


def sides(activity_day: dt.date, months: int) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(before, after): `months` months on each side, the activity's day in neither."""
    before = (add_months(activity_day, -months), _shift(activity_day, -1))
    after = (_shift(activity_day, 1), add_months(activity_day, months))
    return before, after


def _shift(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return day


def _side(community, start: dt.date, end: dt.date) -> Side:
    collected = collect(community, start, end)
    scores = analysis.compute_scores(collected.scope_data(), brokers=0, betweenness=False)
    return Side(start, end, collected, scores)


def _value(scores: analysis.GroupScores | None, key: str):
    return getattr(scores, key) if scores is not None else None


def _delta(before, after):
    return after - before if None not in (before, after) else None


def comparison_groups(group, before: Side, after: Side) -> list[str]:
    """Group ids of the community's other groups with no training or forum over the same dates."""
    with_activity = set(
        Activity.objects.filter(
            group_id__in=before.collected.groups,
            kind__in=CHANGE_KINDS,
            date__gte=before.start,
            date__lte=after.end,
        ).values_list("group_id", flat=True)
    )
    return [f"g:{pk}" for pk in sorted(before.collected.groups) if pk != group.pk and pk not in with_activity]


def change_rows(gid: str, before: Side, after: Side, others: list[str]) -> list[dict]:
    """One row per CHANGE_ROWS key: before, after, change, the comparison groups' median change
    and the difference from it."""
    mine_b, mine_a = before.scores.groups.get(gid), after.scores.groups.get(gid)
    rows = []
    for key in CHANGE_ROWS:
        b, a = _value(mine_b, key), _value(mine_a, key)
        delta = _delta(b, a)
        median = analysis.median(
            _delta(_value(before.scores.groups.get(o), key), _value(after.scores.groups.get(o), key))
            for o in others
        )
        rows.append(
            {
                "key": key,
                "kind": BY_KEY[key].kind,
                "before": b,
                "after": a,
                "delta": delta,
                "median_delta": median,
                "difference": _delta(median, delta),
            }
        )
    return rows


def learning_counts(flows, members: set[str], attendees: set[str], actor: str | None) -> dict[str, int]:
    """Knowledge and information exchanges of one side (Collected.flows rows: date, giver,
    receiver, resource, ...):
    from the activity's institution to members; between members; from attendees to members who
    did not attend (spread beyond the room)."""
    counts = {"from_actor": 0, "among_members": 0, "to_absent": 0}
    for _day, giver, receiver, resource, *_amount in flows:
        if resource not in analysis.LEARNING_RESOURCES or receiver not in members:
            continue
        if actor is not None and giver == actor:
            counts["from_actor"] += 1
        elif giver in members and giver != receiver:
            counts["among_members"] += 1
            if giver in attendees and receiver not in attendees:
                counts["to_absent"] += 1
    return counts


def learning_rows(group, activity, before: Side, after: Side) -> list[dict]:
    attendees = {f"p:{pk}" for pk in activity.attendees.values_list("pk", flat=True)}
    actor = f"a:{activity.actor_id}" if activity.actor_id else None
    counted = []
    for side in (before, after):
        members = {f"p:{p}" for p in side.collected.members(side.collected.window).get(group.pk, set())}
        counted.append(learning_counts(side.collected.flows, members, attendees, actor))
    labels = {
        "from_actor": (
            _("From %(actor)s to members (the activity's own input)") % {"actor": activity.actor.name}
            if actor
            else None
        ),
        "among_members": _("Between members"),
        "to_absent": _("From attendees to members who did not attend"),
    }
    return [
        {
            "key": key,
            "label": text,
            "before": counted[0][key],
            "after": counted[1][key],
            "delta": counted[1][key] - counted[0][key],
        }
        for key, text in labels.items()
        if text is not None
    ]


def actor_input_on_the_day(group, activity) -> int | None:
    """Knowledge and information the activity's institution gave the group's members on the
    activity's day (on neither side; shown apart). None without an institution."""
    if not activity.actor_id:
        return None
    members = group.memberships.open_between(activity.date, activity.date).values("person_id")
    return (
        Exchange.objects.counted()
        .filter(
            date=activity.date,
            giver_actor_id=activity.actor_id,
            receiver_person_id__in=members,
            resource__in=analysis.LEARNING_RESOURCES,
        )
        .count()
    )


def change(group, activity, months: int) -> dict:
    before_dates, after_dates = sides(activity.date, months)
    community = community_of(group.area)
    before, after = _side(community, *before_dates), _side(community, *after_dates)
    gid = f"g:{group.pk}"
    others = comparison_groups(group, before, after)
    rows = change_rows(gid, before, after, others)
    scores_before, scores_after = before.scores.groups.get(gid), after.scores.groups.get(gid)
    learning = learning_rows(group, activity, before, after)
    return {
        "before": before_dates,
        "after": after_dates,
        "community": community,
        "comparison_count": len(others),
        "unfinished": after_dates[1] > timezone.localdate(),
        "rows": rows,
        "learning": learning,
        "actor_on_the_day": actor_input_on_the_day(group, activity),
        "sentences": change_sentences(activity, scores_before, scores_after, learning),
        "chart": change_chart([row for row in rows if row["kind"] == SHARE]),
    }


def change_sentences(activity, scores_before, scores_after, learning: list[dict]) -> list[str]:
    def pair(key, default=None):
        b, a = _value(scores_before, key), _value(scores_after, key)
        if default is not None:
            return b or default, a or default
        # a share on too few records on either side is not compared (evidence.py)
        return tuple(
            evidence.enough_value(key, v, getattr(side, "bases", None))
            for v, side in ((b, scores_before), (a, scores_after))
        )

    lines = [
        sentences.change_exchanges(*pair("exchanges", 0)),
        sentences.change_learning(*pair("learning_share")),
        sentences.change_linking(*pair("linking_actors", 0)),
        sentences.change_participation(*pair("participation")),
        *(
            sentences.change_spread(row["before"], row["after"])
            for row in learning
            if row["key"] == "to_absent"
        ),
    ]
    actor_node = f"a:{activity.actor_id}" if activity.actor_id else None
    if actor_node and scores_after is not None:
        lines.append(
            sentences.change_actor(
                activity.actor.name,
                actor_node in (scores_before.linking_actor_ids if scores_before else ()),
                actor_node in scores_after.linking_actor_ids,
            )
        )
    return [s for s in lines if s]


def change_chart(shares: list[dict]) -> str:
    return safe_svg(
        charts.bar_chart_svg(
            [label(row["key"]) for row in shares],
            [
                charts.Series(_("Before"), [row["before"] for row in shares]),
                charts.Series(_("After"), [row["after"] for row in shares]),
            ],
            title=_("The group before and after the activity"),
            description=_("Bars for the months before and the months after; the table has the values."),
            horizontal=True,
            value_format=pct_axis,
            empty_text=_("No exchanges in either period."),
            chart_id="group-change",
        )
    )
