"""A person's profile: their groups, what they gave and received by resource type, their
exchange partners (names through the privacy rules), and plain sentences."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from groups import access
from groups.models import Area, Exchange, ExternalActor, PersonScore, Resource, ScoreSnapshot

from .. import charts, evidence, sentences
from .common import person_links, safe_svg


def person_profile(
    scope: access.Scope, person, score: PersonScore, resource: str, *, own: bool, name: str, area: Area
) -> dict:
    snapshot = score.snapshot
    brokers = (snapshot.area_scores or {}).get("brokers", [])
    broker_rank = brokers.index(person.ref) + 1 if person.ref in brokers else None
    memberships = _memberships(scope, person)
    given = [score.given_by_type.get(code, 0) for code in Resource.values]
    received = [score.received_by_type.get(code, 0) for code in Resource.values]
    ties = (score.bonding_ties, score.bridging_ties, score.linking_ties)
    mix = evidence.enough("bonding_ties", score.bases)  # a tie mix on too few ties says nothing
    lines = (
        sentences.person_partners(name, score.partners, score.given, score.received),
        sentences.person_ties(name, *ties) if mix else "",
        sentences.person_broker(name, broker_rank, len(memberships), area.name, score.cut_off),
    )
    return {
        "memberships": memberships,
        "partners": partners(scope, person, snapshot, resource, own=own, area=area),
        "is_broker": person.ref in brokers,
        "broker_rank": broker_rank,
        "by_type": [
            {"label": text, "given": g, "received": r}
            for (code, text), g, r in zip(Resource.choices, given, received, strict=True)
        ],
        "by_type_chart": by_type_chart(given, received),
        "sentences": [s for s in lines if s],
    }


def _memberships(scope: access.Scope, person) -> list:
    memberships = list(person.memberships.open().select_related("group").order_by("group__name"))
    readable = set()
    if scope.read_reports():  # members read no group report
        readable = set(
            scope.groups().filter(pk__in=[m.group_id for m in memberships]).values_list("pk", flat=True)
        )
    for m in memberships:
        m.url = reverse("groups:report_group", args=[m.group.ref]) if m.group_id in readable else None
    return memberships


def by_type_chart(given: list[int], received: list[int]) -> str:
    return safe_svg(
        charts.bar_chart_svg(
            [text for _code, text in Resource.choices],
            [
                # no bar and no "0" label for nothing
                charts.Series(_("Given"), [n or None for n in given], css_class="flow-given"),
                charts.Series(_("Received"), [n or None for n in received], css_class="flow-received"),
            ],
            title=_("Given and received by resource type"),
            description=_(
                "Number of exchanges given and received for each resource type; the table has the values."
            ),
            horizontal=True,
            value_labels=True,
            empty_text=_("No exchanges in this period."),
            chart_id="person-by-type",
        )
    )


def partners(
    scope: access.Scope, person, snapshot: ScoreSnapshot, resource: str, *, own: bool, area: Area
) -> list[dict]:
    """The person's partners in the snapshot's period, most exchanges first (one query for
    the exchanges, one for who may be named)."""
    exchanges = (
        scope.visible_exchanges(Exchange.objects.counted())  # consent first
        .involving(person)
        .filter(date__gte=snapshot.period_start, date__lte=snapshot.period_end)
        .select_related("giver_person", "giver_actor", "receiver_person", "receiver_actor")
        .order_by()
    )
    if resource:
        exchanges = exchanges.filter(resource=resource)
    tally: dict[tuple[str, int], dict] = {}
    resources = dict(Resource.choices)
    for exchange in exchanges:
        gave = exchange.giver_person_id == person.pk
        other = exchange.receiver if gave else exchange.giver
        key = ("actor" if isinstance(other, ExternalActor) else "person", other.pk)
        entry = tally.setdefault(key, {"party": other, "given": 0, "received": 0, "resources": set()})
        entry["given" if gave else "received"] += 1
        entry["resources"].add(resources.get(exchange.resource, exchange.resource))
    links = person_links(
        scope, [e["party"] for k, e in tally.items() if k[0] == "person"], area, own_view=own
    )
    rows = []
    for (kind, pk), entry in tally.items():
        name, url = (links[pk].name, links[pk].url) if kind == "person" else (entry["party"].name, None)
        rows.append(
            {
                "name": name,
                "url": url,
                "outside_area": kind == "person" and links[pk].outside,
                "actor": kind == "actor",
                "given": entry["given"],
                "received": entry["received"],
                "resources": sorted(entry["resources"]),
            }
        )
    rows.sort(key=lambda r: (-(r["given"] + r["received"]), r["name"]))
    return rows
