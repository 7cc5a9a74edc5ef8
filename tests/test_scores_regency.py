"""A regency computed district by district: `compute_scores --enqueue` queues one snapshot task
per district for the workers, two workers never compute the same district, and a write in one
district makes only that district's snapshot and cached pages stale (and the roll-up above),
never its neighbour's. World: a synthetic regency of two districts (groups/synthetic.py)."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import default_task_backend

from groups import synthetic
from groups.models import (
    Area,
    AreaLevel,
    Exchange,
    FormSubmission,
    Group,
    LedgerMeeting,
    Person,
    PersonScore,
    ScoreSnapshot,
    SnapshotStatus,
)
from groups.scores import areas, page_cache, reading, snapshots
from groups.scores.tasks import compute_snapshot_task

from . import factories as f
from .test_scores_downloads import DUMMY_TASKS
from .test_villages import table_rows

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
}


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def as_worker(snapshot: ScoreSnapshot):
    """What a worker that takes the snapshot's task from the queue gets back."""
    with override_settings(TASKS=IMMEDIATE_TASKS):
        return compute_snapshot_task.enqueue(snapshot.pk).return_value


@pytest.fixture
def regency(db, django_capture_on_commit_callbacks):
    """Two districts of 40 people (SYN01-D, SYN02-D) under SYN-R, their year ending today
    (committed, as the command's transaction is: nothing of it is left to a later commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        synthetic.build_regency(2, 40, seed=3, today=timezone.localdate())
    return Area.objects.get(ref="SYN-R")


@pytest.fixture
def computed(regency):
    run("compute_scores", "--area", "SYN-R")
    return regency


def district(ref: str) -> Area:
    return Area.objects.get(ref=ref)


def latest(ref: str) -> ScoreSnapshot:
    return reading.latest_snapshot(district(ref))


def dashboard(client, ref: str) -> str:
    response = client.get(reverse("groups:report_dashboard", args=[ref]), **EN)
    assert response.status_code == 200
    return response.content.decode()


def queries(client, ref: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        dashboard(client, ref)
    return len(captured)


def exchanges_shown(body: str) -> dict[str, int]:
    """The regency's villages table: district name -> its exchanges (the third column)."""
    return {name: int(values[2].replace(",", "")) for name, values, _changes in table_rows(body)}


def record_exchange_in(ref: str) -> Exchange:
    """An exchange between two residents of one district, today (signals note it)."""
    giver, receiver = Person.objects.filter(area__parent__ref=ref).order_by("ref")[:2]
    return f.ExchangeFactory(giver_person=giver, receiver_person=receiver, date=timezone.localdate())


class TestQueue:
    @override_settings(TASKS=DUMMY_TASKS)
    def test_recomputing_a_regency_queues_one_task_per_district(
        self, regency, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            output = run("compute_scores", "--area", "SYN-R", "--enqueue")
        assert "SYN01-D: queued" in output and "SYN02-D: queued" in output
        queued = [result.args[0] for result in default_task_backend.results]
        waiting = ScoreSnapshot.objects.filter(pk__in=queued)
        assert sorted(waiting.values_list("area__ref", "status")) == [
            ("SYN01-D", SnapshotStatus.PENDING),
            ("SYN02-D", SnapshotStatus.PENDING),
        ]
        assert len(queued) == 2
        assert not ScoreSnapshot.objects.filter(area=regency).exists()  # never one graph of everything
        with django_capture_on_commit_callbacks(execute=True):
            run("compute_scores", "--area", "SYN-R", "--enqueue")  # while the workers are busy
        assert len(default_task_backend.results) == 2 and ScoreSnapshot.objects.count() == 2

    @override_settings(TASKS=DUMMY_TASKS)
    def test_two_workers_take_different_districts(self, regency, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            run("compute_scores", "--area", "SYN-R", "--enqueue")
        first, second = ScoreSnapshot.objects.order_by("area__ref")
        assert snapshots._claim(first)  # worker A takes the first district
        # worker B, given the same task, leaves it to A, and takes the other district
        assert as_worker(first) == "skipped"
        assert ScoreSnapshot.objects.get(pk=first.pk).status == SnapshotStatus.RUNNING
        assert not PersonScore.objects.filter(snapshot=first).exists()
        assert as_worker(second) == SnapshotStatus.DONE
        snapshots.compute_snapshot(first)  # A finishes its own
        assert set(ScoreSnapshot.objects.values_list("status", flat=True)) == {SnapshotStatus.DONE}
        second.refresh_from_db()
        assert first.area_scores["people"] >= 40 and second.area_scores["people"] >= 40


class TestAWriteInOneDistrict:
    def test_after_the_commit_only_its_snapshot_is_recomputed(
        self, computed, django_capture_on_commit_callbacks
    ):
        before_a, before_b = latest("SYN01-D"), latest("SYN02-D")
        with django_capture_on_commit_callbacks(execute=True):
            record_exchange_in("SYN01-D")
        # tasks run in-process in the tests: A was recomputed at once, B was not asked
        assert latest("SYN01-D").pk != before_a.pk
        assert latest("SYN01-D").area_scores["exchanges"] == before_a.area_scores["exchanges"] + 1
        assert latest("SYN02-D").pk == before_b.pk
        assert ScoreSnapshot.objects.filter(area__ref="SYN02-D").count() == 1

    def test_its_neighbours_cached_page_is_reused_and_the_regency_shows_the_new_figures(
        self, client, staff, computed, django_capture_on_commit_callbacks
    ):
        client.force_login(staff)
        cold_b = queries(client, "SYN02-D")
        warm_b = queries(client, "SYN02-D")
        assert warm_b <= cold_b - 5, (cold_b, warm_b)
        before = exchanges_shown(dashboard(client, "SYN-R"))
        a, b = district("SYN01-D").pk, district("SYN02-D").pk
        tokens = page_cache.generation([a]), page_cache.generation([b])
        with django_capture_on_commit_callbacks(execute=True):
            record_exchange_in("SYN01-D")
        assert page_cache.generation([b]) == tokens[1]
        assert page_cache.generation([a]) != tokens[0]
        assert queries(client, "SYN02-D") == warm_b  # B's page from the cache, as before
        after = exchanges_shown(dashboard(client, "SYN-R"))
        assert after["Kecamatan Sintetis 1"] == before["Kecamatan Sintetis 1"] + 1
        assert after["Kecamatan Sintetis 2"] == before["Kecamatan Sintetis 2"]

    def test_inside_a_transaction_this_process_sees_it_at_once_in_that_district_only(
        self, client, staff, computed
    ):
        """No commit in a test: the process that showed both districts' pages starts a new
        generation at once for the district written to, and only for it."""
        client.force_login(staff)
        dashboard(client, "SYN01-D")
        dashboard(client, "SYN02-D")
        a, b = district("SYN01-D").pk, district("SYN02-D").pk
        tokens = page_cache.generation([a]), page_cache.generation([b])
        record_exchange_in("SYN02-D")
        assert page_cache.generation([a]) == tokens[0]
        assert page_cache.generation([b]) != tokens[1]

    def test_a_tie_across_two_districts_is_news_to_both(self, computed, django_capture_on_commit_callbacks):
        a, b = district("SYN01-D").pk, district("SYN02-D").pk
        tokens = page_cache.generation([a]), page_cache.generation([b])
        giver = Person.objects.filter(area__parent__ref="SYN01-D").first()
        receiver = Person.objects.filter(area__parent__ref="SYN02-D").first()
        with django_capture_on_commit_callbacks(execute=True):
            f.ExchangeFactory(giver_person=giver, receiver_person=receiver, date=timezone.localdate())
        assert page_cache.generation([a]) != tokens[0]
        assert page_cache.generation([b]) != tokens[1]

    def test_a_meeting_recorded_through_its_form_is_news_to_its_district_only(
        self, client, staff, computed, django_capture_on_commit_callbacks
    ):
        """The form's one-time token is written with the meeting: it is read by no page, so it
        must not throw away the neighbours' pages (it did: every create form and meeting sheet
        made every district's pages stale)."""
        group = Group.objects.filter(area__parent__ref="SYN01-D").order_by("ref").first()
        member = group.memberships.first().person
        a, b = district("SYN01-D").pk, district("SYN02-D").pk
        tokens = page_cache.generation([a]), page_cache.generation([b]), page_cache.generation()
        client.force_login(staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("groups:activity_create", args=[group.ref]),
                {"kind": "meeting", "date": timezone.localdate().isoformat(), "title": "Rapat warga",
                 "attendees": [member.pk], "token": str(uuid.uuid4())},
            )
        assert response.status_code == 302
        assert FormSubmission.objects.filter(user=staff).count() == 1
        assert page_cache.generation([a]) != tokens[0]
        assert page_cache.generation([b]) == tokens[1]
        assert page_cache.generation() == tokens[2]  # not every page's either

    def test_the_money_sheets_own_records_leave_every_kept_page(
        self, computed, django_capture_on_commit_callbacks
    ):
        group = Group.objects.filter(area__parent__ref="SYN01-D").order_by("ref").first()
        a = district("SYN01-D").pk
        tokens = page_cache.generation([a]), page_cache.generation()
        with django_capture_on_commit_callbacks(execute=True):
            LedgerMeeting.objects.create(group=group, date=timezone.localdate(), cash_expected=0)
        assert (page_cache.generation([a]), page_cache.generation()) == tokens

    def test_a_persons_record_is_news_to_every_page(self, computed, django_capture_on_commit_callbacks):
        """A name or a consent may be shown in any district (a partner, a member from next
        door): a person's write starts a new generation of every page."""
        b = district("SYN02-D").pk
        before = page_cache.generation([b])
        person = Person.objects.filter(area__parent__ref="SYN01-D").first()
        with django_capture_on_commit_callbacks(execute=True):
            person.consent_on = None
            person.save()
        assert page_cache.generation([b]) != before


def test_a_regency_page_reads_the_generation_of_each_district(computed):
    assert areas.page_communities(computed.pk) == set(
        Area.objects.filter(level=AreaLevel.DISTRICT).values_list("pk", flat=True)
    )
    village = Area.objects.filter(level=AreaLevel.VILLAGE, parent__ref="SYN02-D").first()
    assert areas.page_communities(village.pk) == {district("SYN02-D").pk}
