"""Recomputing the "last 12 months" snapshots after data change (groups/scores/signals.py), debounced."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from groups.models import (
    AreaLevel,
    ExchangeStatus,
    Membership,
    NormReview,
    Person,
    Resource,
    ScoreSnapshot,
    SnapshotStatus,
)
from groups.scores import changes, reading, snapshots
from groups.services import exchanges as exchange_services

from . import factories as f
from .conftest import share


@pytest.fixture
def place(db, _shared):
    return _shared.get("place", build_place)


def build_place() -> dict:
    """A district with two villages; the district, their community, has a rolling snapshot
    (asked for through village 1: a village has no snapshot of its own)."""
    district = f.AreaFactory(ref="RD", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="RV1", parent=district)
    village2 = f.VillageFactory(ref="RV2", parent=district)
    group = f.GroupFactory(ref="RG1", area=village)
    ana = f.PersonFactory(ref="R-ana", area=village)
    budi = f.PersonFactory(ref="R-budi", area=village)
    dodi = f.PersonFactory(ref="R-dodi", area=village2)
    f.MembershipFactory(person=ana, group=group)
    f.ExchangeFactory(giver_person=ana, receiver_person=budi, date=timezone.localdate())
    assert snapshots.compute_snapshot(reading.create_snapshot(village)).area == district
    return {
        "district": district,
        "village": village,
        "village2": village2,
        "group": group,
        "ana": ana,
        "budi": budi,
        "dodi": dodi,
    }


share("place", build_place, __name__)  # built and scored once for this module


def exchanges_in_latest(area) -> int:
    return reading.latest_snapshot(area).area_scores["exchanges"]


def snapshot_count(area, **filters) -> int:
    return ScoreSnapshot.objects.filter(area=area, **filters).count()


def test_a_new_exchange_recomputes_the_area_and_its_ancestors(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"], date=timezone.localdate())
    assert exchanges_in_latest(place["village"]) == 2
    assert exchanges_in_latest(place["district"]) == 2
    assert not ScoreSnapshot.objects.filter(area=place["village2"]).exists()  # had none: none made


def test_nothing_is_requested_before_commit_nor_after_a_rollback(place, django_capture_on_commit_callbacks):
    before = ScoreSnapshot.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"], date=timezone.localdate())
    assert ScoreSnapshot.objects.count() == before and callbacks
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"])
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and ScoreSnapshot.objects.count() == before


def test_a_hundred_saves_request_one_snapshot_per_key(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            for _ in range(100):
                f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"])
    for callback in callbacks:
        callback()
    assert snapshot_count(place["village"]) == 0  # snapshots are the community's
    assert snapshot_count(place["district"], status=SnapshotStatus.PENDING) == 1


def test_after_the_first_callback_the_others_of_a_transaction_do_no_queries(
    place, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            for _ in range(10):
                f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"])
    callbacks[0]()
    with django_assert_num_queries(0):
        for callback in callbacks[1:]:
            callback()


def test_separate_saves_while_one_is_waiting_add_nothing(place, django_capture_on_commit_callbacks):
    waiting = reading.create_snapshot(place["village"])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"])
    assert list(ScoreSnapshot.objects.filter(area=place["district"], status=SnapshotStatus.PENDING)) == [
        waiting
    ]


def test_a_change_during_a_computation_requests_another(place, django_capture_on_commit_callbacks):
    running = reading.create_snapshot(place["village"])
    ScoreSnapshot.objects.filter(pk=running.pk).update(
        status=SnapshotStatus.RUNNING, started_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        f.ExchangeFactory(giver_person=place["budi"], receiver_person=place["ana"])
    for callback in callbacks:
        callback()
    assert snapshot_count(place["district"], status=SnapshotStatus.PENDING) == 1


def test_an_abandoned_running_snapshot_does_not_block(place):
    stuck = reading.create_snapshot(place["village"])
    ScoreSnapshot.objects.filter(pk=stuck.pk).update(
        status=SnapshotStatus.RUNNING,
        started_at=timezone.now() - reading.STALE_RUNNING - dt.timedelta(minutes=1),
    )
    assert reading.pending_snapshot(place["village"]) is None
    assert reading.request_snapshot(place["village"]) != stuck


def test_a_lost_pending_snapshot_does_not_block(place):
    lost = reading.create_snapshot(place["village"])
    ScoreSnapshot.objects.filter(pk=lost.pk).update(
        requested_at=timezone.now() - reading.STALE_RUNNING - dt.timedelta(minutes=1)
    )
    assert reading.pending_snapshot(place["village"]) is None
    fresh = reading.request_snapshot(place["village"])
    assert fresh != lost and reading.pending_snapshot(place["village"]) == fresh


def test_mark_changed_after_a_bulk_import(place, django_capture_on_commit_callbacks):
    from groups.models import Exchange

    Exchange.objects.bulk_create(
        [
            Exchange(
                ref=f"BULK-{i}",
                giver_person=place["budi"],
                receiver_person=place["ana"],
                resource=Resource.GOODS,
                status=ExchangeStatus.CONFIRMED,
                date=timezone.localdate(),
            )
            for i in range(3)
        ]
    )
    assert exchanges_in_latest(place["village"]) == 1  # bulk writes send no signal
    with django_capture_on_commit_callbacks(execute=True):
        changes.mark_changed([place["village"].pk])
    assert exchanges_in_latest(place["village"]) == 4
    assert exchanges_in_latest(place["district"]) == 4


@pytest.mark.parametrize("settle", ["dispute", "confirm"])
def test_settling_an_exchange_requests_a_new_snapshot(place, settle, django_capture_on_commit_callbacks):
    """Disputing writes with QuerySet.update() (no signal): the service tells change tracking
    itself, so the disputed exchange stops counting at once."""
    pending = f.ExchangeFactory(
        giver_person=place["budi"],
        receiver_person=place["ana"],
        date=timezone.localdate(),
        status=ExchangeStatus.PENDING,
    )
    with django_capture_on_commit_callbacks(execute=True):
        snapshots.compute_snapshot(reading.create_snapshot(place["village"]))
    assert exchanges_in_latest(place["village"]) == 2
    before = reading.latest_snapshot(place["village"]).pk
    by = f.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            settled = getattr(exchange_services, f"{settle}_exchange")(exchange=pending, by=by)
    assert settled
    latest = reading.latest_snapshot(place["village"])
    assert latest.pk != before  # a new snapshot was requested and computed
    assert exchanges_in_latest(place["village"]) == (1 if settle == "dispute" else 2)
    assert exchanges_in_latest(place["district"]) == (1 if settle == "dispute" else 2)


def test_members_living_elsewhere_recompute_their_groups_area(place, django_capture_on_commit_callbacks):
    # dodi lives in village 2 (no snapshot) but joins a group of village 1
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.create(person=place["dodi"], group=place["group"], joined_on=dt.date(2020, 1, 1))
    assert reading.latest_snapshot(place["village"]).area_scores["people"] == 3


def change_membership(p):
    m = Membership.objects.get(person=p["ana"])
    m.left_on = timezone.localdate()
    m.save()


def change_activity(p):
    f.ActivityFactory(group=p["group"], date=timezone.localdate())


def change_norm(p):
    f.NormFactory(group=p["group"])


def change_norm_review(p):
    norm = f.NormFactory(group=p["group"])
    NormReview.objects.create(norm=norm, rating=3)


def change_person(p):
    Person.objects.filter(pk=p["budi"].pk).first().save()


def delete_exchange(p):
    p["ana"].exchanges_given.first().delete()


@pytest.mark.parametrize(
    "change",
    [change_membership, change_activity, change_norm, change_norm_review, change_person, delete_exchange],
)
def test_every_kind_of_change_requests_recomputation(place, change, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(place)
    for callback in callbacks:
        callback()
    assert snapshot_count(place["district"], status=SnapshotStatus.PENDING) == 1


def test_changing_attendance_requests_recomputation(place, django_capture_on_commit_callbacks):
    activity = f.ActivityFactory(group=place["group"], date=timezone.localdate())
    ScoreSnapshot.objects.filter(status=SnapshotStatus.PENDING).delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        activity.attendees.add(place["ana"])
    for callback in callbacks:
        callback()
    assert snapshot_count(place["district"], status=SnapshotStatus.PENDING) == 1
    ScoreSnapshot.objects.filter(status=SnapshotStatus.PENDING).delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        place["budi"].activities_attended.add(activity)  # from the person's side
    for callback in callbacks:
        callback()
    assert snapshot_count(place["district"], status=SnapshotStatus.PENDING) == 1


def test_a_resource_snapshot_is_recomputed_too(place, django_capture_on_commit_callbacks):
    snapshots.compute_snapshot(reading.create_snapshot(place["village"], resource=Resource.LABOUR))
    with django_capture_on_commit_callbacks(execute=True):
        f.ExchangeFactory(
            giver_person=place["budi"],
            receiver_person=place["ana"],
            resource=Resource.LABOUR,
            date=timezone.localdate(),
        )
    assert reading.latest_snapshot(place["village"], resource=Resource.LABOUR).area_scores["exchanges"] == 1


# --- every status change requests a recomputation (confirm and dispute: above) ---


def _requested_after(change, place, django_capture_on_commit_callbacks) -> int:
    ScoreSnapshot.objects.filter(status=SnapshotStatus.PENDING).delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change()
    for callback in callbacks:
        callback()
    return snapshot_count(place["district"], status=SnapshotStatus.PENDING)  # the community's


def test_editing_an_exchange_requests_recomputation(place, django_capture_on_commit_callbacks):
    exchange = place["ana"].exchanges_given.first()

    def edit():
        exchange.resource = Resource.KNOWLEDGE
        exchange.save()

    assert _requested_after(edit, place, django_capture_on_commit_callbacks) == 1


def test_erasing_a_person_requests_recomputation(place, django_capture_on_commit_callbacks):
    from groups.services.safety import erase_person

    by = f.UserFactory()
    assert (
        _requested_after(
            lambda: erase_person(person=place["budi"], by=by), place, django_capture_on_commit_callbacks
        )
        == 1
    )


@pytest.mark.parametrize("status", ["disputed", "confirmed"])
def test_an_imported_status_change_requests_recomputation(place, status, django_capture_on_commit_callbacks):
    """The operator's import (bulk writes, no signal) changing only an exchange's status."""
    from groups.transfer import csvfiles, importer

    exchange = place["ana"].exchanges_given.first()
    exchange.status = ExchangeStatus.PENDING
    exchange.save()
    header = ",".join(csvfiles.COLUMNS["exchanges"])
    row = f"{exchange.ref},{exchange.date.isoformat()},R-ana,R-budi,{exchange.resource},,,,,{status}"
    files = csvfiles.read_files({"exchanges.csv": f"{header}\n{row}\n".encode()})

    def run_import():
        plan = importer.import_community(files)
        assert plan.problems == []

    assert _requested_after(run_import, place, django_capture_on_commit_callbacks) == 1
    exchange.refresh_from_db()
    assert exchange.status == status


def test_a_confirmed_only_snapshot_is_recomputed_as_confirmed_only(place, django_capture_on_commit_callbacks):
    snapshots.compute_snapshot(reading.create_snapshot(place["village"], confirmed_only=True))
    pending = f.ExchangeFactory(
        giver_person=place["budi"],
        receiver_person=place["ana"],
        date=timezone.localdate(),
        status=ExchangeStatus.PENDING,
    )
    assert reading.latest_snapshot(place["village"], confirmed_only=True).area_scores["exchanges"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            exchange_services.confirm_exchange(exchange=pending, by=f.UserFactory())
    assert reading.latest_snapshot(place["village"], confirmed_only=True).area_scores["exchanges"] == 2
    assert reading.latest_snapshot(place["village"]).area_scores["exchanges"] == 2
