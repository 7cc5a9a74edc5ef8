"""Background computations that report pages ask for: bounded per user and area,
and a computation that waited too long can be asked for again.

Tasks are not run here (the test transaction never commits, so nothing is enqueued): a
requested snapshot stays waiting, as it does while the worker is busy or stopped.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from groups import access
from groups.models import Resource, ScoreSnapshot, SnapshotStatus

from . import factories as f

TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


def window(i: int) -> dict:
    """The i-th custom period (each a different key)."""
    start = TODAY - dt.timedelta(days=200 + i)
    return {"period": "dates", "start": start.isoformat(), "end": TODAY.isoformat()}


def english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def dashboard(ref="D"):
    return reverse("groups:report_dashboard", args=[ref])


@pytest.fixture
def coordinator2(world):
    user = f.UserFactory(username="koordinator2")
    world.district.assignments.create(user=user, role="coordinator")
    return user


def custom(area=None):
    snapshots = ScoreSnapshot.objects.filter(rolling=False)
    return snapshots.filter(area=area) if area is not None else snapshots


# --- bounded background work ----------------------------------------------------------------


def test_finding_9_five_custom_windows_by_one_user_queue_one_computation(client, coordinator, world):
    english(client, coordinator)
    first = client.get(dashboard(), window(0))
    assert "The scores are being computed" in first.content.decode()
    for i in range(1, 5):
        response = client.get(dashboard(), window(i))
        assert response.status_code == 200
        body = response.content.decode()
        assert "One report at a time" in body
        assert "Your report for another period in this area is still being computed" in body
    assert custom(world.district).count() == 1
    assert custom().get().requested_by == coordinator
    # the window already asked for is still shown as being computed (it is not a new one)
    assert "The scores are being computed" in client.get(dashboard(), window(0)).content.decode()
    # an htmx poll does not get round the bound either
    client.get(dashboard(), window(7), **HTMX)
    assert custom().count() == 1


def test_another_user_can_still_queue_theirs(client, coordinator, coordinator2, world):
    english(client, coordinator)
    client.get(dashboard(), window(0))
    client.get(dashboard(), window(1))
    english(client, coordinator2)
    body = client.get(dashboard(), window(1)).content.decode()
    assert "The scores are being computed" in body
    requesters = sorted(custom().values_list("requested_by__username", flat=True))
    assert requesters == ["koordinator", "koordinator2"]


def test_the_bound_is_per_community(client, staff, world):
    english(client, staff)
    client.get(dashboard("D"), window(0))
    # V1 lies in D's community: one computation, so the same bound
    assert "One report at a time" in client.get(dashboard("V1"), window(1)).content.decode()
    body = client.get(dashboard("W"), window(1)).content.decode()  # district E's community
    assert "The scores are being computed" in body
    assert custom().count() == 2


def test_preset_periods_are_shared_and_never_refused(client, coordinator, coordinator2, world):
    english(client, coordinator)
    client.get(dashboard(), window(0))  # this user's custom window is waiting
    assert "The scores are being computed" in client.get(dashboard()).content.decode()
    client.get(dashboard(), {"resource": Resource.MONEY})
    english(client, coordinator2)
    client.get(dashboard())
    client.get(dashboard(), {"resource": Resource.MONEY})
    rolling = ScoreSnapshot.objects.filter(area=world.district, rolling=True)
    assert sorted(rolling.values_list("resource", flat=True)) == ["", Resource.MONEY]
    assert not rolling.exclude(requested_by=None).exists()  # shared: nobody's own


def test_group_and_person_pages_and_the_download_keep_the_bound(client, coordinator, world):
    english(client, coordinator)
    client.get(dashboard(), window(0))
    group_page = client.get(reverse("groups:report_group", args=["G1"]), window(1)).content.decode()
    person_page = client.get(reverse("groups:report_person", args=["P-MEMBER"]), window(2)).content.decode()
    download = client.get(reverse("groups:scores_download", args=["D"]), window(3))
    assert "One report at a time" in group_page
    assert "One report at a time" in person_page
    assert download.status_code == 200
    assert "Your report for another period in this area is still being computed" in download.content.decode()
    assert custom().count() == 1


def test_a_computation_waiting_too_long_no_longer_blocks_its_user(client, coordinator, world, settings):
    english(client, coordinator)
    client.get(dashboard(), window(0))
    scope = access.Scope(coordinator)
    assert not scope.may_request_scores(world.district.pk, custom_window=True)
    assert scope.may_request_scores(world.district.pk, custom_window=False)
    custom().update(requested_at=timezone.now() - dt.timedelta(seconds=settings.QUEUE_STALE_SECONDS + 60))
    assert scope.may_request_scores(world.district.pk, custom_window=True)


# --- waited too long: ask again -------------------------------------------------------------


def stuck(area, minutes=30, **filters):
    snapshots = ScoreSnapshot.objects.filter(area=area, **filters)
    snapshots.update(requested_at=timezone.now() - dt.timedelta(minutes=minutes))
    return snapshots.get()


def test_a_report_waiting_too_long_says_so_and_offers_to_ask_again(client, coordinator, world, settings):
    settings.QUEUE_STALE_SECONDS = 300
    english(client, coordinator)
    client.get(dashboard(), window(0))
    old = stuck(world.district)
    body = client.get(dashboard(), window(0)).content.decode()
    assert "The scores are taking too long" in body
    retry = reverse("groups:report_dashboard_retry", args=["D"])
    assert f'<form method="post" action="{retry}?' in body

    response = client.post(f"{retry}?period=dates&start={window(0)['start']}&end={window(0)['end']}")
    assert response.status_code == 302
    assert response["Location"].startswith(dashboard() + "?period=dates")
    old.refresh_from_db()
    assert old.status == SnapshotStatus.FAILED
    fresh = custom().exclude(pk=old.pk).get()
    assert fresh.status == SnapshotStatus.PENDING
    assert (fresh.period_start, fresh.period_end) == (old.period_start, old.period_end)
    assert "The scores are being computed" in client.get(response["Location"]).content.decode()


def test_asking_again_before_it_is_late_queues_nothing(client, coordinator, world):
    english(client, coordinator)
    client.get(dashboard())
    client.post(reverse("groups:report_dashboard_retry", args=["D"]))
    assert ScoreSnapshot.objects.filter(area=world.district).count() == 1
    assert ScoreSnapshot.objects.get(area=world.district).status == SnapshotStatus.PENDING


def test_a_failed_report_can_be_tried_again_at_once(client, coordinator, world):
    english(client, coordinator)
    client.get(dashboard())
    ScoreSnapshot.objects.update(status=SnapshotStatus.FAILED, computed_at=timezone.now())
    body = client.get(dashboard()).content.decode()
    assert "The scores could not be computed" in body
    client.post(reverse("groups:report_dashboard_retry", args=["D"]))
    statuses = sorted(ScoreSnapshot.objects.filter(area=world.district).values_list("status", flat=True))
    assert statuses == [SnapshotStatus.FAILED, SnapshotStatus.PENDING]


def test_group_and_person_pages_offer_to_ask_again(client, facilitator, member, world):
    english(client, facilitator)
    client.get(reverse("groups:report_group", args=["G1"]))
    area = ScoreSnapshot.objects.get().area
    stuck(area)
    body = client.get(reverse("groups:report_group", args=["G1"])).content.decode()
    assert reverse("groups:report_group_retry", args=["G1"]) in body
    assert client.post(reverse("groups:report_group_retry", args=["G1"])).status_code == 302
    assert ScoreSnapshot.objects.filter(status=SnapshotStatus.PENDING).count() == 1

    english(client, member)  # a member reads their own profile, and may ask again for it
    ScoreSnapshot.objects.filter(status=SnapshotStatus.PENDING).update(
        requested_at=timezone.now() - dt.timedelta(hours=1)
    )
    body = client.get(reverse("groups:report_person", args=["P-MEMBER"])).content.decode()
    assert reverse("groups:report_person_retry", args=["P-MEMBER"]) in body
    assert client.post(reverse("groups:report_person_retry", args=["P-MEMBER"])).status_code == 302
    assert ScoreSnapshot.objects.filter(status=SnapshotStatus.PENDING).count() == 1
    assert ScoreSnapshot.objects.filter(status=SnapshotStatus.FAILED).count() == 2


@pytest.mark.parametrize(
    "name, ref",
    [("report_dashboard_retry", "D"), ("report_group_retry", "G1"), ("report_person_retry", "P-MEMBER2")],
)
def test_asking_again_is_checked_like_its_page(client, world, name, ref, other_coordinator, member):
    url = reverse(f"groups:{name}", args=[ref])
    assert client.post(url).status_code == 302  # anonymous: to the login page
    assert "/accounts/login/" in client.post(url)["Location"]
    client.force_login(other_coordinator)
    assert client.post(url).status_code == 404  # outside their scope
    assert client.get(url).status_code == 405
    client.force_login(member)
    expected = 404 if name == "report_dashboard_retry" else 403  # members read no area reports
    assert client.post(url).status_code == expected
    assert not ScoreSnapshot.objects.exists()
