"""Writes about exchanges: recording, confirming and disputing. Every write is atomic.

Also the one read a member's own summary page needs (member_summary), kept next to the
writes whose records it adds up.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import audit
from groups.models import (
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Group,
    Person,
    Resource,
    display_name,
    exchange_ends,
)
from groups.privacy import pseudonym
from groups.scores import changes


def _new_exchange(
    *, giver, receiver, resource, logged_by, date, amount, unit, group, note, confirmed, ref=None
) -> Exchange:
    exchange = Exchange(
        date=date or timezone.localdate(),
        **exchange_ends(giver, receiver),
        resource=resource,
        amount=amount,
        unit=unit,
        group=group,
        note=note,
        logged_by=logged_by,
        status=ExchangeStatus.CONFIRMED if confirmed else ExchangeStatus.PENDING,
        confirmed_by=logged_by if confirmed else None,
    )
    if ref:
        exchange.ref = ref
    return exchange


@transaction.atomic
def record_exchange(
    *,
    giver: Person | ExternalActor,
    receiver: Person | ExternalActor,
    resource: str,
    logged_by,
    date=None,
    amount=None,
    unit: str = "",
    group: Group | None = None,
    note: str = "",
    confirmed: bool = False,
) -> Exchange:
    """Record one flow. It stays pending until the other side confirms it, unless a
    facilitator records it as witnessed (confirmed=True)."""
    exchange = _new_exchange(
        giver=giver, receiver=receiver, resource=resource, logged_by=logged_by, date=date,
        amount=amount, unit=unit, group=group, note=note, confirmed=confirmed,
    )
    exchange.full_clean()
    exchange.save()
    return exchange


def token_ref(token: uuid.UUID) -> str:
    """The exchange ref a form token turns into (32 hex digits; generated refs have 10)."""
    return token.hex


@transaction.atomic
def record_exchange_once(
    *,
    token: uuid.UUID,
    giver: Person | ExternalActor,
    receiver: Person | ExternalActor,
    resource: str,
    logged_by,
    date=None,
    amount=None,
    unit: str = "",
    group: Group | None = None,
    note: str = "",
) -> tuple[Exchange, bool]:
    """Record a pending exchange from a form carrying a one-time token; (exchange, created).

    The token becomes the exchange's ref, so the ref's unique constraint makes a second post
    of the same form (double tap, reload, two tabs, a slow network resending) return the
    first exchange instead of a copy, even when both posts race each other. A token that
    someone else's exchange already carries is refused (never reveal or reuse it).
    """
    ref = token_ref(token)

    def existing() -> Exchange | None:
        found = Exchange.objects.filter(ref=ref).first()
        if found is not None and found.logged_by_id != getattr(logged_by, "pk", None):
            raise ValidationError(_("This form has already been used. Open a new form."))
        return found

    if (found := existing()) is not None:
        return found, False
    fields = dict(
        giver=giver, receiver=receiver, resource=resource, logged_by=logged_by, date=date,
        amount=amount, unit=unit, group=group, note=note, confirmed=False, ref=ref,
    )
    exchange = _new_exchange(**fields)
    try:
        with transaction.atomic():
            exchange.full_clean()
            exchange.save()
    except (IntegrityError, ValidationError):
        # A parallel post with the same token got there between the check and the insert.
        if (found := existing()) is not None:
            return found, False
        raise
    return exchange, True


def _settle(exchange: Exchange, *, by, status: str) -> bool:
    """Move a pending exchange to `status`. Returns False when it was no longer pending
    (another click or another person got there first): the first answer wins."""
    updated = Exchange.objects.filter(pk=exchange.pk, status=ExchangeStatus.PENDING).update(
        status=status, confirmed_by=by
    )
    exchange.refresh_from_db(fields=["status", "confirmed_by"])
    if updated:  # update() sends no signal: the audit trail and the scores are told directly
        audit.record_update(
            exchange, {"status": [ExchangeStatus.PENDING, status], "confirmed_by": [None, by.pk]}, actor=by
        )
        changes.note_exchange(exchange)
    return updated == 1


@transaction.atomic
def confirm_exchange(*, exchange: Exchange, by) -> bool:
    return _settle(exchange, by=by, status=ExchangeStatus.CONFIRMED)


@transaction.atomic
def dispute_exchange(*, exchange: Exchange, by) -> bool:
    return _settle(exchange, by=by, status=ExchangeStatus.DISPUTED)


# --- A member's own summary -------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceTotal:
    """One resource in one direction: how many exchanges, and the amounts summed per unit
    (only exchanges that give an amount; a blank unit is its own unit)."""

    resource: str
    count: int
    amounts: tuple[tuple[str, Decimal], ...]

    @property
    def label(self) -> str:
        return Resource(self.resource).label


@dataclass(frozen=True)
class Partner:
    """Someone the member exchanged with; what went each way is kept apart, never netted."""

    name: str
    is_actor: bool
    given: int
    received: int
    given_resources: tuple[str, ...]
    received_resources: tuple[str, ...]


@dataclass(frozen=True)
class MemberSummary:
    given: tuple[ResourceTotal, ...]
    received: tuple[ResourceTotal, ...]
    partners: tuple[Partner, ...]
    pending: int

    @property
    def given_count(self) -> int:
        return sum(row.count for row in self.given)

    @property
    def received_count(self) -> int:
        return sum(row.count for row in self.received)


def _totals(rows) -> tuple[ResourceTotal, ...]:
    counts: dict[str, int] = defaultdict(int)
    amounts: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in rows:
        counts[row["resource"]] += row["n"]
        if row["priced"]:
            amounts[row["resource"]].append((row["unit"], row["total"]))
    order = list(Resource.values)
    return tuple(
        ResourceTotal(resource, counts[resource], tuple(sorted(amounts[resource])))
        for resource in sorted(counts, key=order.index)
    )


def member_summary(*, person: Person, namer) -> MemberSummary:
    """What the person gave and received, by resource and by partner. Disputed exchanges are
    left out (as in every report); pending ones count, and how many there are is given.
    Partners are named as `namer` (the viewer's access.Scope) allows."""
    mine = Exchange.objects.involving(person).counted().order_by()
    given = mine.filter(giver_person=person)
    received = mine.filter(receiver_person=person)

    def by_resource(qs):
        return qs.values("resource", "unit").annotate(
            n=Count("pk"), priced=Count("amount"), total=Sum("amount")
        )

    # partner key -> [name, is_actor, given, received, {given resources}, {received resources}]
    partners: dict[tuple[str, int], list] = {}
    for side, qs, other in (("given", given, "receiver"), ("received", received, "giver")):
        rows = qs.values(
            "resource",
            f"{other}_person_id", f"{other}_person__ref", f"{other}_person__full_name",
            f"{other}_person__nickname", f"{other}_person__consent_on", f"{other}_person__area_id",
            f"{other}_actor_id", f"{other}_actor__name",
        ).annotate(n=Count("pk"))
        for row in rows:
            if row[f"{other}_person_id"]:
                key = ("person", row[f"{other}_person_id"])
                full_name, nickname = row[f"{other}_person__full_name"], row[f"{other}_person__nickname"]
                if namer.names_id(
                    person_id=key[1],
                    area_id=row[f"{other}_person__area_id"],
                    has_consent=row[f"{other}_person__consent_on"] is not None,
                ):
                    name = display_name(full_name, nickname)
                else:
                    name = pseudonym(row[f"{other}_person__ref"])
            else:
                key = ("actor", row[f"{other}_actor_id"])
                name = row[f"{other}_actor__name"]
            entry = partners.setdefault(key, [name, key[0] == "actor", 0, 0, set(), set()])
            if side == "given":
                entry[2] += row["n"]
                entry[4].add(row["resource"])
            else:
                entry[3] += row["n"]
                entry[5].add(row["resource"])

    order = list(Resource.values)

    def labels(codes) -> tuple[str, ...]:
        return tuple(Resource(code).label for code in sorted(codes, key=order.index))

    partner_rows = sorted(
        (Partner(name, is_actor, g, r, labels(gr), labels(rr))
         for name, is_actor, g, r, gr, rr in partners.values()),
        key=lambda p: (-(p.given + p.received), p.name.lower()),
    )
    return MemberSummary(
        given=_totals(by_resource(given)),
        received=_totals(by_resource(received)),
        partners=tuple(partner_rows),
        pending=mine.filter(status=ExchangeStatus.PENDING).count(),
    )
