"""Twenty clients logging and confirming exchanges at once lose and duplicate nothing.

Real parallel connections: each thread has its own database connection (Django keeps one
per thread) and the threads are released together by a barrier. SQLite serialises writers
in one file and the in-memory test database is shared by one connection, so this runs on
PostgreSQL only — which CI runs the whole suite on as well.
"""

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from groups.models import Exchange, ExchangeStatus
from groups.services import exchanges as services

from . import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: real parallel writers"),
]

CLIENTS = 20
PER_CLIENT = 5
TIMEOUT = 120


def run_together(work, count: int = CLIENTS) -> list:
    """Run work(i, barrier) in `count` threads at once; each closes its own connection."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def job(i):
        try:
            return work(i, barrier)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(job, i) for i in range(count)]
        return [future.result(timeout=TIMEOUT) for future in futures]


@pytest.fixture
def circle(world):
    """Twenty members of one group, each with a login; member i gives to member i+1."""
    people = []
    for i in range(CLIENTS):
        person = f.PersonFactory(ref=f"P-C{i:02d}", full_name=f"Warga {i}", area=world.village)
        # force_login needs no password; hashing twenty would take most of the test's time
        person.user = get_user_model().objects.create(username=f"warga{i:02d}", password="!")
        person.save()
        f.MembershipFactory(person=person, group=world.group)
        people.append(person)
    return people


def test_parallel_logging_and_racing_answers_through_the_services(world, circle):
    def log(i, barrier):
        giver, receiver = circle[i], circle[(i + 1) % CLIENTS]
        barrier.wait()
        return [
            services.record_exchange(
                giver=giver, receiver=receiver, resource="labour", logged_by=giver.user,
                date=dt.date(2026, 5, 1), note=f"{i}-{k}",
            ).pk
            for k in range(PER_CLIENT)
        ]

    logged = [pk for pks in run_together(log) for pk in pks]
    assert len(set(logged)) == CLIENTS * PER_CLIENT
    assert Exchange.objects.count() == CLIENTS * PER_CLIENT

    # Every exchange is answered twice at the same moment: confirmed by its receiver's
    # thread and disputed by another thread. Exactly one answer may win each time.
    def answer(i, barrier):
        mine = list(Exchange.objects.filter(receiver_person=circle[i]).order_by("pk"))
        neighbours = list(Exchange.objects.filter(receiver_person=circle[(i + 1) % CLIENTS]).order_by("pk"))
        barrier.wait()
        wins = []
        for confirm_this, dispute_that in zip(mine, neighbours, strict=True):
            if services.confirm_exchange(exchange=confirm_this, by=circle[i].user):
                wins.append((confirm_this.pk, ExchangeStatus.CONFIRMED, circle[i].user_id))
            if services.dispute_exchange(exchange=dispute_that, by=circle[i].user):
                wins.append((dispute_that.pk, ExchangeStatus.DISPUTED, circle[i].user_id))
        return wins

    wins = [w for ws in run_together(answer) for w in ws]
    assert len(wins) == CLIENTS * PER_CLIENT  # one winner per exchange, none lost
    assert len({pk for pk, _, _ in wins}) == CLIENTS * PER_CLIENT
    rows = Exchange.objects.values_list("pk", "status", "confirmed_by")
    stored = {pk: (status, by) for pk, status, by in rows}
    assert stored == {pk: (status, by) for pk, status, by in wins}
    assert not Exchange.objects.filter(status=ExchangeStatus.PENDING).exists()


def test_twenty_browsers_double_submitting_and_confirming(world, circle):
    """Ten members each send five exchange forms, every form twice at the same moment from
    two connections (a double tap on a slow network); then the receivers confirm them, each
    confirmation sent twice at once too. 100 posts make 50 exchanges, all confirmed once."""
    senders = CLIENTS // 2
    tokens = {i: [uuid.uuid4() for _ in range(PER_CLIENT)] for i in range(senders)}
    clients = []
    for i in range(CLIENTS):
        client = Client(raise_request_exception=False)
        client.force_login(circle[i % senders].user)
        clients.append(client)

    def send(i, barrier):
        me, other = circle[i % senders], circle[(i % senders) + senders]
        barrier.wait()
        results = []
        for token in tokens[i % senders]:
            response = clients[i].post(reverse("groups:exchange_create"), {
                "token": str(token), "direction": "gave", "party": f"person:{other.ref}",
                "resource": "money", "date": "2026-05-02", "amount": "25000", "unit": "IDR",
                "group": world.group.ref, "note": f"arisan {me.ref}",
            })
            results.append((response.status_code, response.get("Location", "")))
        return results

    results = [r for rs in run_together(send) for r in rs]
    assert all(status == 302 for status, _ in results), results
    assert Exchange.objects.count() == senders * PER_CLIENT
    refs = {token.hex for ts in tokens.values() for token in ts}
    assert set(Exchange.objects.values_list("ref", flat=True)) == refs
    assert {location for _, location in results} == {
        reverse("groups:exchange_detail", args=[ref]) for ref in refs
    }

    receivers = []
    for i in range(CLIENTS):
        client = Client(raise_request_exception=False)
        client.force_login(circle[(i % senders) + senders].user)
        receivers.append(client)

    def confirm(i, barrier):
        me = circle[(i % senders) + senders]
        pending = list(Exchange.objects.filter(receiver_person=me).values_list("ref", flat=True))
        barrier.wait()
        return [
            receivers[i].post(reverse("groups:exchange_confirm", args=[ref])).status_code for ref in pending
        ]

    statuses = [s for ss in run_together(confirm) for s in ss]
    assert len(statuses) == 2 * senders * PER_CLIENT
    assert set(statuses) == {302}
    assert Exchange.objects.filter(status=ExchangeStatus.CONFIRMED).count() == senders * PER_CLIENT
    for exchange in Exchange.objects.select_related("receiver_person"):
        assert exchange.confirmed_by_id == exchange.receiver_person.user_id
