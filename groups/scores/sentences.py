"""Plain-language sentences about the scores, for a facilitator to read back to a group.

Each function takes stored figures (shares 0..1, counts, names already passed through
groups.privacy) and returns one translated sentence, or "" when there is nothing fair to
say (for example no exchange recorded). Whole sentences are translation units: numbers and
names go in through named placeholders, never by gluing translated fragments together.

The thresholds are deliberately coarse ("most", "about half"): the sentences describe, the
numbers beside them measure. Percentages inside a sentence are whole numbers.

How a page chooses its sentences (group_summary, and the person and area pages): a sentence is
made only from values resting on enough records (evidence.enough); each topic is said by one
sentence from one indicator, so two sentences cannot contradict each other (where help goes:
the E-I index; giving back: balanced_share; where received help comes from: self-reliance and
aid); a sentence naming a person is kept apart "for the facilitator's eyes", and a group page's
other sentences, which name nobody, are the version to read aloud at a meeting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from . import evidence

#: |E-I| at or beyond this: most member ties are inside (-) or outside (+) the group
#: (E-I -0.2 = 60% of member ties inside).
EI_LEANING = 0.2


def percent(share: float | None) -> str:
    """A share 0..1 as a whole localised percentage ("45%"); "" for None."""
    if share is None:
        return ""
    return gettext("%(number)s%%") % {"number": number_format(round(share * 100), 0)}


# --------------------------------------------------------------------- the area


def area_ties(bonding: float | None, bridging: float | None, linking: float | None) -> str:
    if bonding is None:
        return gettext("No exchanges have been recorded in this area yet.")
    outside = (bridging or 0.0) + (linking or 0.0)
    if bonding >= 0.6:
        if (linking or 0.0) < 0.05:
            return gettext(
                "Most help in this area flows between people who share a group; very little "
                "reaches village offices, agencies or other institutions."
            )
        return gettext(
            "Most help in this area flows between people who share a group; fewer ties "
            "connect different groups or reach institutions."
        )
    if outside >= 0.6:
        return gettext(
            "Most ties in this area cross group lines or reach institutions: people's help "
            "is not limited to their own groups."
        )
    return gettext(
        "Help in this area is shared fairly evenly between people in the same group and "
        "people in different groups or institutions."
    )


def area_isolated(isolated: int, people: int) -> str:
    if people == 0:
        return ""
    if isolated == 0:
        return gettext("Everyone in the area has exchanged help with at least one other person.")
    return ngettext(
        "%(count)d person of %(total)d has no recorded exchange with anyone: worth a visit.",
        "%(count)d people of %(total)d have no recorded exchange with anyone: worth a visit.",
        isolated,
    ) % {"count": isolated, "total": people}


def area_brokers(top_name: str | None, count: int, cut_off: int = 0) -> str:
    """``top_name``: the go-between with the highest betweenness; ``cut_off``: how many people
    would lose touch with the rest without them (analysis: 0 unless a cut vertex). Only a
    cut vertex is said to hold people together; names a person (for the facilitator's eyes)."""
    if count == 0 or not top_name:
        return gettext(
            "Nobody stands out as a go-between: people who are connected mostly reach each other directly."
        )
    if cut_off >= 1:
        return ngettext(
            "%(name)s connects people who would otherwise hardly be in touch: if they stepped back, "
            "%(count)d person would lose touch with the rest.",
            "%(name)s connects people who would otherwise hardly be in touch: if they stepped back, "
            "%(count)d people would lose touch with the rest.",
            cut_off,
        ) % {"name": top_name, "count": cut_off}
    others = count - 1
    if others == 0:
        return gettext(
            "%(name)s connects people who are otherwise less in touch; without them the others "
            "could still reach each other through longer ways."
        ) % {"name": top_name}
    return ngettext(
        "%(name)s and %(count)d other person connect people who would otherwise hardly be "
        "in touch; %(name)s does so most.",
        "%(name)s and %(count)d other people connect people who would otherwise hardly be "
        "in touch; %(name)s does so most.",
        others,
    ) % {"name": top_name, "count": others}


def area_reciprocity(reciprocity: float | None) -> str:
    if reciprocity is None:
        return ""
    if reciprocity >= 0.5:
        return gettext("Help usually goes both ways: most people who give to someone also receive from them.")
    if reciprocity >= 0.25:
        return gettext("Help goes both ways in some relationships, but often only one side gives.")
    return gettext("Help mostly goes one way: few people who give to someone also receive from them.")


def area_aid(group_name: str | None, aid_dependence: float | None) -> str:
    if not group_name or aid_dependence is None or aid_dependence < 0.3:
        return ""
    return gettext(
        "%(group)s depends most on outside aid: %(share)s of what its members receive "
        "are grants or goods from institutions."
    ) % {"group": group_name, "share": percent(aid_dependence)}


# --------------------------------------------------------------------- a group


def group_ties(ei_index: float | None, ties: int, outward_members: int, size: int) -> str:
    """Keyed on the E-I index of the member ties (Krackhardt & Stern): at or below -EI_LEANING
    most ties stay inside, at or above +EI_LEANING most reach outside. ``outward_members``:
    members with at least one tie outside the group."""
    if not ties or ei_index is None:
        return ""
    if ei_index <= -EI_LEANING:
        if outward_members * 2 > size:
            return ngettext(
                "Most help in this group stays inside it, though %(count)d of its %(size)d member also "
                "exchanges with people or institutions outside.",
                "Most help in this group stays inside it, though %(count)d of its %(size)d members also "
                "exchange with people or institutions outside.",
                size,
            ) % {"count": outward_members, "size": size}
        if outward_members == 0:
            return gettext(
                "All help in this group stays inside it; no member exchanges with people or "
                "institutions outside."
            )
        return ngettext(
            "Most help in this group stays inside it; only %(count)d member exchanges with people "
            "or institutions outside.",
            "Most help in this group stays inside it; only %(count)d members exchange with people "
            "or institutions outside.",
            outward_members,
        ) % {"count": outward_members}
    if ei_index >= EI_LEANING:
        return ngettext(
            "Most of this group's ties reach outside it: %(count)d of %(size)d member is in touch "
            "with other groups or institutions.",
            "Most of this group's ties reach outside it: %(count)d of %(size)d members are in touch "
            "with other groups or institutions.",
            size,
        ) % {"count": outward_members, "size": size}
    return ngettext(
        "Help is shared both inside the group and with people outside it; %(count)d member "
        "exchanges with people or institutions outside.",
        "Help is shared both inside the group and with people outside it; %(count)d members "
        "exchange with people or institutions outside.",
        outward_members,
    ) % {"count": outward_members}


def _with_base(key: str, share: float, bases: Mapping[str, int] | None) -> str:
    """A share as a sentence says it: with the records it rests on ("24% of 411 exchanges")
    when they are known (the same words as the tables, evidence.shown)."""
    text = percent(share)
    return evidence.shown(key, text, bases) if evidence.base_of(bases, key) else text


def group_self_reliance(
    self_reliance: float | None,
    aid_dependence: float | None,
    linking_actors: int,
    bases: Mapping[str, int] | None = None,
) -> str:
    if self_reliance is None:
        return ""
    if aid_dependence is not None and aid_dependence >= 0.5:
        return gettext(
            "Most of what members receive is aid from outside institutions (%(share)s): the "
            "group leans on outside help and may struggle when it ends."
        ) % {"share": _with_base("aid_dependence", aid_dependence, bases)}
    if aid_dependence is not None and aid_dependence >= 0.3:
        return gettext(
            "A large part of what members receive is aid from outside institutions (%(share)s): "
            "plan with the group how it will manage when the aid ends."
        ) % {"share": _with_base("aid_dependence", aid_dependence, bases)}
    if self_reliance >= 0.8 and linking_actors == 0:
        return gettext(
            "Members rely on each other for almost everything they receive and have no ties to "
            "outside institutions: a strength, but it can also mean the group is cut off."
        )
    if self_reliance >= 0.8:
        return gettext("Members rely mostly on each other and their neighbours for what they receive.")
    return gettext(
        "What members receive comes partly from each other and partly from outside "
        "institutions (%(share)s from people)."
    ) % {"share": percent(self_reliance)}


def group_learning(learning_share: float | None, bases: Mapping[str, int] | None = None) -> str:
    if learning_share is None:
        return ""
    if learning_share >= 0.5:
        return gettext(
            "Half or more of what passes between members is knowledge and information: the "
            "group is a place to learn."
        )
    if learning_share >= 0.2:
        return gettext("Some knowledge and information is shared in this group (%(share)s).") % {
            "share": _with_base("learning_share", learning_share, bases)
        }
    return gettext("Little knowledge or information is shared in this group.")


def group_participation(participation: float | None, bases: Mapping[str, int] | None = None) -> str:
    if participation is None:
        return ""
    share = _with_base("participation", participation, bases)
    if participation >= 0.75:
        return gettext("Most members come to the group's activities (on average %(share)s).") % {
            "share": share
        }
    if participation >= 0.5:
        return gettext("About half or more of the members come to the group's activities (%(share)s).") % {
            "share": share
        }
    return gettext(
        "Fewer than half of the members come to the group's activities (on average %(share)s): "
        "ask what keeps the others away."
    ) % {"share": share}


def group_giving_back(balanced_share: float | None, bases: Mapping[str, int] | None = None) -> str:
    """Keyed on balanced_share (members with exchanges who give and receive within a factor of
    1.5): in an arisan or a death-benefit group help goes round the group, not back along each
    pair, so pair reciprocity is only a figure, never a sentence."""
    if balanced_share is None:
        return ""
    share = _with_base("balanced_share", balanced_share, bases)
    if balanced_share >= 0.5:
        return gettext("Most members who exchange give about as much as they receive (%(share)s).") % {
            "share": share
        }
    return gettext(
        "Only %(share)s give about as much as they receive: some mostly give, others mostly receive."
    ) % {"share": share}


def group_norms(norms_active: int, norm_rating: float | None) -> str:
    """Only from a rating (over enough reviewed norms); the norms list says the rest."""
    if norms_active == 0 or norm_rating is None:
        return ""
    if norm_rating >= 4:
        return ngettext(
            "The group's %(count)d norm is kept well, by its latest review.",
            "The group's %(count)d norms are kept well, by their latest reviews.",
            norms_active,
        ) % {"count": norms_active}
    if norm_rating >= 3:
        return ngettext(
            "The group's %(count)d norm is kept fairly well, by its latest review.",
            "The group's %(count)d norms are kept fairly well, by their latest reviews.",
            norms_active,
        ) % {"count": norms_active}
    return ngettext(
        "The group's %(count)d norm is often not kept, by its latest review: worth talking about together.",
        "The group's %(count)d norms are often not kept, by their latest reviews: worth talking "
        "about together.",
        norms_active,
    ) % {"count": norms_active}


# --------------------------------------------------------------------- a person


def person_partners(name: str, partners: int, given: int, received: int) -> str:
    if partners == 0:
        return gettext(
            "%(name)s has no recorded exchange with anyone yet: a visit or an invitation to "
            "a group activity may help."
        ) % {"name": name}
    if given > 1.5 * received:
        key = ngettext(
            "%(name)s exchanged help with %(count)d partner and gives more than they receive.",
            "%(name)s exchanged help with %(count)d partners and gives more than they receive.",
            partners,
        )
    elif received > 1.5 * given:
        key = ngettext(
            "%(name)s exchanged help with %(count)d partner and receives more than they give.",
            "%(name)s exchanged help with %(count)d partners and receives more than they give.",
            partners,
        )
    else:
        key = ngettext(
            "%(name)s exchanged help with %(count)d partner and gives about as much as they receive.",
            "%(name)s exchanged help with %(count)d partners and gives about as much as they receive.",
            partners,
        )
    return key % {"name": name, "count": partners}


def person_ties(name: str, bonding: int, bridging: int, linking: int) -> str:
    if bonding + bridging + linking == 0:
        return ""
    if bridging == 0 and linking == 0:
        return gettext("All of %(name)s's exchanges are with people from their own groups.") % {"name": name}
    if linking == 0:
        return ngettext(
            "Besides their own groups, %(name)s is in touch with %(count)d person from other groups.",
            "Besides their own groups, %(name)s is in touch with %(count)d people from other groups.",
            bridging,
        ) % {"name": name, "count": bridging}
    return ngettext(
        "%(name)s is in touch with %(count)d outside institution, and can bring its help to others.",
        "%(name)s is in touch with %(count)d outside institutions, and can bring their help to others.",
        linking,
    ) % {"name": name, "count": linking}


def person_broker(name: str, broker_rank: int | None, groups: int, area: str, cut_off: int = 0) -> str:
    """``broker_rank``: the person's place among the area's brokers (None when not among them);
    ``cut_off``: how many people would lose touch with the rest without them. Only a cut vertex
    (cut_off >= 1) is said to hold people together, with the number."""
    if cut_off >= 1:
        return ngettext(
            "%(name)s holds part of %(area)s together: if they stepped back, %(count)d person would "
            "lose touch with the rest.",
            "%(name)s holds part of %(area)s together: if they stepped back, %(count)d people would "
            "lose touch with the rest.",
            cut_off,
        ) % {"name": name, "area": area, "count": cut_off}
    if broker_rank:
        return gettext(
            "%(name)s is one of the go-betweens of %(area)s (number %(rank)d): many paths between "
            "people pass through them, though others could still reach each other without them."
        ) % {"name": name, "area": area, "rank": broker_rank}
    if groups >= 2:
        return ngettext(
            "%(name)s belongs to %(count)d group and carries news and help between groups.",
            "%(name)s belongs to %(count)d groups and carries news and help between them.",
            groups,
        ) % {"name": name, "count": groups}
    return ""


def member_holds_together(name: str, cut_off: int) -> str:
    """A member whose absence would cut people off (for the facilitator's eyes)."""
    if cut_off < 1:
        return ""
    return ngettext(
        "If %(name)s stepped back, %(count)d person would lose touch with the rest of the network.",
        "If %(name)s stepped back, %(count)d people would lose touch with the rest of the network.",
        cut_off,
    ) % {"name": name, "count": cut_off}


def group_own_capital(own_capital_share: float | None) -> str:
    """How much of the group's fund is its own money (money.py); None: not enough evidence."""
    if own_capital_share is None:
        return ""
    if own_capital_share >= 1:  # nothing owed outside and no grant this cycle (money.py)
        return gettext("The group's fund runs on its own money only: no outside loan or grant.")
    # something is owed outside: never "100%", however little (99.6% shows as 99%)
    values = {"share": percent(min(own_capital_share, 0.99))}
    if own_capital_share >= 0.8:
        return (
            gettext(
                "The group's fund runs mostly on its own money: %(share)s is members' savings, interest "
                "and fines; the rest is outside loans and grants."
            )
            % values
        )
    return (
        gettext(
            "%(share)s of the group's fund is its own money (members' savings, interest and fines); "
            "the rest is outside loans and grants."
        )
        % values
    )


def group_loans_at_risk(par30: float | None, bases: Mapping[str, int] | None) -> str:
    """The portfolio at risk in words, with the loans it rests on; None: too few loans."""
    if par30 is None:
        return ""
    count = evidence.base_of(bases, "par30") or 0
    if par30 == 0:
        return ngettext(
            "No loan has an instalment more than 30 days late (%(count)d loan outstanding).",
            "No loan has an instalment more than 30 days late (%(count)d loans outstanding).",
            count,
        ) % {"count": count}
    return ngettext(
        "%(share)s of what members still owe the fund is in loans with an instalment more than 30 days "
        "late (%(count)d loan outstanding).",
        "%(share)s of what members still owe the fund is in loans with an instalment more than 30 days "
        "late (%(count)d loans outstanding).",
        count,
    ) % {"share": percent(par30), "count": count}


# ----------------------------------------------------------------- a group's summary


@dataclass(frozen=True)
class Summary:
    """A page's sentences: ``read_aloud`` name nobody (a group page's version for a meeting);
    ``named`` name people and are for the facilitator's eyes only."""

    read_aloud: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)


def _trusted(score, key: str):
    return evidence.enough_value(key, getattr(score, key, None), getattr(score, "bases", None))


def group_summary(score, outward_members: int, cut_members: list[tuple[str, int]] = ()) -> Summary:
    """The sentences of a group page from its stored row (GroupScore or analysis.GroupScores),
    each from values with enough evidence only (evidence.py). ``cut_members``: (shown name,
    cut_off) of members whose absence would cut people off; said only when the group's own
    record is not thin (at least evidence.EXCHANGES member exchanges)."""
    bases = getattr(score, "bases", None)
    lines = (
        group_ties(_trusted(score, "ei_index"), score.ties, outward_members, score.size),
        group_self_reliance(
            _trusted(score, "self_reliance"), _trusted(score, "aid_dependence"), score.linking_actors, bases
        ),
        group_learning(_trusted(score, "learning_share"), bases),
        group_participation(_trusted(score, "participation"), bases),
        group_giving_back(_trusted(score, "balanced_share"), bases),
        group_norms(score.norms_active, _trusted(score, "norm_rating")),
        group_own_capital(_trusted(score, "own_capital_share")),
        group_loans_at_risk(_trusted(score, "par30"), bases),
    )
    named = []
    if score.exchanges >= evidence.EXCHANGES:
        named = [member_holds_together(name, n) for name, n in cut_members if n >= 1]
    return Summary(read_aloud=[x for x in lines if x], named=[x for x in named if x])


# --------------------------------------------------------------- before and after


def _direction(before: float | None, after: float | None, tolerance: float) -> str | None:
    if before is None or after is None:
        return None
    if after - before > tolerance:
        return "up"
    if before - after > tolerance:
        return "down"
    return "same"


def change_learning(before: float | None, after: float | None) -> str:
    direction = _direction(before, after, 0.05)
    values = {"before": percent(before), "after": percent(after)}
    if direction == "up":
        return (
            gettext(
                "Knowledge and information made up more of the group's exchanges afterwards "
                "(%(before)s before, %(after)s after)."
            )
            % values
        )
    if direction == "down":
        return (
            gettext(
                "Knowledge and information made up less of the group's exchanges afterwards "
                "(%(before)s before, %(after)s after)."
            )
            % values
        )
    if direction == "same":
        return (
            gettext(
                "Knowledge and information made up about the same share of exchanges before and "
                "after (%(before)s, then %(after)s)."
            )
            % values
        )
    return gettext("There are too few exchanges on one side to compare how much knowledge was shared.")


def change_linking(before: int, after: int) -> str:
    if after > before:
        return ngettext(
            "Afterwards members were in touch with %(after)d outside institution, against "
            "%(before)d before: the group gained linking ties.",
            "Afterwards members were in touch with %(after)d outside institutions, against "
            "%(before)d before: the group gained linking ties.",
            after,
        ) % {"before": before, "after": after}
    if after < before:
        return ngettext(
            "Afterwards members were in touch with %(after)d outside institution, against "
            "%(before)d before: fewer linking ties.",
            "Afterwards members were in touch with %(after)d outside institutions, against "
            "%(before)d before: fewer linking ties.",
            after,
        ) % {"before": before, "after": after}
    if after == 0:
        return gettext("Members were in touch with no outside institution, before or after.")
    return ngettext(
        "Members were in touch with %(count)d outside institution both before and after.",
        "Members were in touch with %(count)d outside institutions both before and after.",
        after,
    ) % {"count": after}


def change_exchanges(before: int, after: int) -> str:
    if before == 0 and after == 0:
        return gettext("No exchanges were recorded in either period.")
    return ngettext(
        "%(before)d exchange was recorded in the months before and %(after)d in the months after.",
        "%(before)d exchanges were recorded in the months before and %(after)d in the months after.",
        before,
    ) % {"before": before, "after": after}


def change_participation(before: float | None, after: float | None) -> str:
    direction = _direction(before, after, 0.05)
    values = {"before": percent(before), "after": percent(after)}
    if direction == "up":
        return (
            gettext("More members came to activities afterwards (%(before)s before, %(after)s after).")
            % values
        )
    if direction == "down":
        return (
            gettext("Fewer members came to activities afterwards (%(before)s before, %(after)s after).")
            % values
        )
    if direction == "same":
        return (
            gettext("About as many members came to activities before as after (%(before)s, then %(after)s).")
            % values
        )
    return ""


def change_spread(before: int, after: int) -> str:
    """Knowledge or information passed by attendees to members who missed the activity: the
    clue that what was learnt travels beyond the room (the institution's own input excluded)."""
    values = {"before": before, "after": after}
    if after > before:
        return (
            ngettext(
                "Afterwards attendees passed knowledge or information to members who missed the activity "
                "%(after)d time, against %(before)d before: a clue that the learning is spreading, "
                "not a proof.",
                "Afterwards attendees passed knowledge or information to members who missed the activity "
                "%(after)d times, against %(before)d before: a clue that the learning is spreading, "
                "not a proof.",
                after,
            )
            % values
        )
    if after == 0:
        return gettext(
            "No knowledge or information from attendees to members who missed the activity was "
            "recorded afterwards."
        )
    return (
        ngettext(
            "Attendees passed knowledge or information to members who missed the activity %(after)d time "
            "afterwards, against %(before)d before: no sign of more spreading.",
            "Attendees passed knowledge or information to members who missed the activity %(after)d times "
            "afterwards, against %(before)d before: no sign of more spreading.",
            after,
        )
        % values
    )


def change_actor(actor: str, before: bool, after: bool) -> str:
    """Whether members exchanged with the activity's institution before and after it."""
    if after and not before:
        return gettext("Members started exchanging with %(actor)s after the activity: a new linking tie.") % {
            "actor": actor
        }
    if after:
        return gettext("Members exchanged with %(actor)s both before and after the activity.") % {
            "actor": actor
        }
    if before:
        return gettext("Members exchanged with %(actor)s before the activity, but not after it.") % {
            "actor": actor
        }
    return gettext("No member exchanged with %(actor)s after the activity.") % {"actor": actor}
