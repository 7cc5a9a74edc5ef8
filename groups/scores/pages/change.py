"""A group before and after a training or planning forum: its indicators computed on the spot
(a group is small) for the months before the activity and the months from its day on."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import analysis, charts, sentences
from ..collect import scope_data
from ..indicators import BY_KEY, CHANGE_ROWS, SHARE, label
from ..windows import add_months
from .common import pct_axis, safe_svg


def group_scores(group, start: dt.date, end: dt.date) -> analysis.GroupScores | None:
    data = scope_data(group, start, end)
    return analysis.compute_scores(data, brokers=0).groups.get(f"g:{group.pk}")


def _day_before(day: dt.date) -> dt.date:
    return day if day == dt.date.min else day - dt.timedelta(days=1)


def _value(scores, key):
    return getattr(scores, key) if scores is not None else None


def change(group, activity, months: int) -> dict:
    day = activity.date
    # The activity's own day counts as "after": what a training hands out on the day is its effect.
    before = (add_months(day, -months), _day_before(day))
    after = (day, _day_before(add_months(day, months)))
    scores_before, scores_after = group_scores(group, *before), group_scores(group, *after)
    rows = []
    for key in CHANGE_ROWS:
        b, a = _value(scores_before, key), _value(scores_after, key)
        delta = a - b if None not in (a, b) else None
        rows.append({"key": key, "kind": BY_KEY[key].kind, "before": b, "after": a, "delta": delta})
    return {
        "before": before,
        "after": after,
        "unfinished": after[1] > timezone.localdate(),
        "rows": rows,
        "sentences": change_sentences(activity, scores_before, scores_after),
        "chart": change_chart([row for row in rows if row["kind"] == SHARE]),
    }


def change_sentences(activity, scores_before, scores_after) -> list[str]:
    def pair(key, default=None):
        b, a = _value(scores_before, key), _value(scores_after, key)
        return (b or default, a or default) if default is not None else (b, a)

    lines = [
        sentences.change_exchanges(*pair("exchanges", 0)),
        sentences.change_learning(*pair("learning_share")),
        sentences.change_linking(*pair("linking_actors", 0)),
        sentences.change_participation(*pair("participation")),
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
