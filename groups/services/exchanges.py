"""Writes about exchanges: recording, confirming and disputing. Every write is atomic."""

from django.db import transaction
from django.utils import timezone

from groups.models import Exchange, ExchangeStatus, ExternalActor, Group, Person


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
    exchange = Exchange(
        date=date or timezone.localdate(),
        giver_person=giver if isinstance(giver, Person) else None,
        giver_actor=giver if isinstance(giver, ExternalActor) else None,
        receiver_person=receiver if isinstance(receiver, Person) else None,
        receiver_actor=receiver if isinstance(receiver, ExternalActor) else None,
        resource=resource,
        amount=amount,
        unit=unit,
        group=group,
        note=note,
        logged_by=logged_by,
        status=ExchangeStatus.CONFIRMED if confirmed else ExchangeStatus.PENDING,
        confirmed_by=logged_by if confirmed else None,
    )
    exchange.full_clean()
    exchange.save()
    return exchange


def _settle(exchange: Exchange, *, by, status: str) -> bool:
    """Move a pending exchange to `status`. Returns False when it was no longer pending
    (another click or another person got there first): the first answer wins."""
    updated = Exchange.objects.filter(pk=exchange.pk, status=ExchangeStatus.PENDING).update(
        status=status, confirmed_by=by
    )
    exchange.refresh_from_db(fields=["status", "confirmed_by"])
    return updated == 1


@transaction.atomic
def confirm_exchange(*, exchange: Exchange, by) -> bool:
    return _settle(exchange, by=by, status=ExchangeStatus.CONFIRMED)


@transaction.atomic
def dispute_exchange(*, exchange: Exchange, by) -> bool:
    return _settle(exchange, by=by, status=ExchangeStatus.DISPUTED)
