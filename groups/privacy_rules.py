"""Consent before exposure (UU PDP 27/2022 treats financial data as sensitive).

A person whose consent is not recorded (Person.consent_on empty) has their exchanges shown
only to the facilitators who look after them (and staff) — and to the people who took part
in the exchange, who know of it anyway (their partner's name stays hidden from them by
privacy.Namer). Everyone else — coordinators, other members, other facilitators — sees
neither the exchange nor that it exists. Counts in reports are aggregates and identify no
one; they are not filtered.

Use in views, after the access scope (access.py decides reach, this decides exposure):

    exchanges = privacy_rules.visible_exchanges(scope, scope.exchanges())
    privacy_rules.check_exchange(scope, exchange)      # 404 when hidden
    if privacy_rules.shows_exchanges_of(scope, person): ...
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Exchange, Person


def _looked_after(scope):
    """People the viewer looks after as facilitator (a subquery)."""
    return scope.editable_people().values("pk")


def _side_ok(side: str, scope) -> Q:
    """The `side` ("giver" / "receiver") of an exchange may be shown to the viewer."""
    q = (
        Q(**{f"{side}_person__isnull": True})  # an external actor
        | Q(**{f"{side}_person__consent_on__isnull": False})
        | Q(**{f"{side}_person__in": _looked_after(scope)})
    )
    if scope.person is not None:
        q |= Q(**{f"{side}_person": scope.person})
    return q


def exchange_visibility(scope) -> Q:
    """Q for exchanges the viewer may see as far as consent goes. An exchange one of whose
    parties did not consent is visible to that party's facilitators, and to both parties."""
    if scope.is_staff:
        return Q()
    q = _side_ok("giver", scope) & _side_ok("receiver", scope)
    if scope.person is not None:
        q |= Q(giver_person=scope.person) | Q(receiver_person=scope.person)
    return q


def visible_exchanges(scope, exchanges: QuerySet[Exchange]) -> QuerySet[Exchange]:
    """`exchanges` without those the viewer may not see for lack of consent."""
    if scope.is_staff:
        return exchanges
    return exchanges.filter(exchange_visibility(scope))


def may_see_exchange(scope, exchange: Exchange) -> bool:
    if scope.is_staff:
        return True
    return Exchange.objects.filter(pk=exchange.pk).filter(exchange_visibility(scope)).exists()


def check_exchange(scope, exchange: Exchange) -> Exchange:
    """404 for an exchange hidden from the viewer (hidden and unknown look the same)."""
    if not may_see_exchange(scope, exchange):
        raise Http404
    return exchange


def shows_exchanges_of(scope, person: Person) -> bool:
    """May the viewer see this person's exchanges at all (a profile, a member list)?"""
    if person.consent_on is not None or scope.is_staff:
        return True
    if scope.person is not None and scope.person.pk == person.pk:
        return True
    return scope.can_edit_person(person)
