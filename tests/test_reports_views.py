"""Report pages: dashboard, group report, before/after, person profile, methodology.

Scores are computed synchronously with snapshots.compute_snapshot on a small world: district D
(villages V1 with group G1 and V2 with group G2) and district E, see tests/conftest.py.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.models import (
    ActivityKind,
    Assignment,
    ExchangeStatus,
    Membership,
    NormReview,
    Person,
    Resource,
    ScoreSnapshot,
    SnapshotStatus,
)
from groups.privacy import pseudonym
from groups.scores import reading, snapshots, windows
from groups.scores.indicators import INDICATORS, indicator_anchor

from . import factories as f
from .conftest import Several, build_world, share

TODAY = timezone.localdate()
RECENT = TODAY - dt.timedelta(days=40)  # inside the rolling window whatever day the tests run
HTMX = {"HTTP_HX_REQUEST": "true"}


def compute(area, start=None, end=None, resource=""):
    return snapshots.compute_snapshot(reading.request_snapshot(area, start, end, resource))


def score_world(world) -> dict:
    """G1 (village V1): Sri, Siti, Budi (also in G2: a broker), Tono (no consent, no exchange);
    G2 (village V2): Budi, Ani. An agency helps Sri; a training in G1 with exchanges around it."""
    budi = f.PersonFactory(ref="P-BUDI", full_name="Budi Santoso", area=world.village)
    ani = f.PersonFactory(ref="P-ANI", full_name="Ani Lestari", area=world.village2)
    tono = f.PersonFactory(ref="P-TONO", full_name="Tono Hartono", area=world.village, consent_on=None)
    f.MembershipFactory(person=budi, group=world.group)
    f.MembershipFactory(person=tono, group=world.group)
    f.MembershipFactory(person=budi, group=world.group2)
    f.MembershipFactory(person=ani, group=world.group2)
    actor = f.ActorFactory(ref="A-DINAS", name="Dinas Pertanian", area=world.district)
    sri, siti = world.member_person, world.member2_person
    for giver, receiver, resource, day in [
        (sri, siti, Resource.MONEY, RECENT),
        (siti, sri, Resource.MONEY, RECENT),
        (budi, sri, Resource.KNOWLEDGE, RECENT),
        (budi, ani, Resource.INFORMATION, RECENT),
        (ani, budi, Resource.LABOUR, RECENT),
        (siti, budi, Resource.GOODS, TODAY - dt.timedelta(days=100)),
    ]:
        f.ExchangeFactory(giver_person=giver, receiver_person=receiver, resource=resource, date=day)
    f.ExchangeFactory(
        giver_person=None, giver_actor=actor, receiver_person=sri, resource=Resource.MONEY, date=RECENT
    )
    f.ExchangeFactory(
        giver_person=sri,
        receiver_person=budi,
        resource=Resource.CARE,
        date=RECENT,
        status=ExchangeStatus.DISPUTED,
    )
    training = f.ActivityFactory(
        ref="ACT-TRAIN",
        group=world.group,
        kind=ActivityKind.TRAINING,
        date=TODAY - dt.timedelta(days=60),
        title="Pelatihan kompos",
        actor=actor,
    )
    training.attendees.set([sri, siti])
    meeting = f.ActivityFactory(ref="ACT-MEET", group=world.group, kind=ActivityKind.MEETING, date=RECENT)
    meeting.attendees.set([sri, siti, budi])
    norm = f.NormFactory(group=world.group, statement="Setoran Rp 50.000 tiap bulan.")
    NormReview.objects.create(norm=norm, reviewed_on=RECENT, rating=4, note="Baik.")
    compute(world.district)
    compute(world.village)
    return {"budi": budi, "ani": ani, "tono": tono, "actor": actor, "training": training, "meeting": meeting}


def build_scored() -> Several:
    world = build_world()
    return Several(world=world, scored=score_world(world))


share("scored", build_scored, __name__)  # built and scored once for this module's tests


@pytest.fixture
def scored(world, _shared):
    return _shared.get("scored", lambda: score_world(world))


def dashboard_url(ref=None):
    return reverse("groups:report_dashboard", args=[ref] if ref else [])


def group_url(ref="G1"):
    return reverse("groups:report_group", args=[ref])


def person_url(ref):
    return reverse("groups:report_person", args=[ref])


def change_url(ref="G1", activity="ACT-TRAIN"):
    return reverse("groups:report_group_change", args=[ref, activity])


def text(response) -> str:
    return response.content.decode()


def named_coordinator(user):
    Assignment.objects.filter(user=user).update(sees_names=True)


# ------------------------------------------------------------------------ dashboard


def test_dashboard_shows_figures_lists_and_pictures(client, coordinator, scored):
    named_coordinator(coordinator)
    client.force_login(coordinator)
    response = client.get(dashboard_url("D"))
    assert response.status_code == 200
    body = text(response)
    assert "Kecamatan Kertek" in body
    assert 'id="group-network-t"' in body and 'id="trend-ties-t"' in body
    # the broker between G1 and G2 comes first, by name (this coordinator may see names)
    brokers = body[body.index('id="brokers-title"') : body.index('id="isolated-title"')]
    assert "Budi Santoso" in brokers
    # Tono has no exchange and gave no consent: listed, but only under a pseudonym
    isolated = body[body.index('id="isolated-title"') : body.index('id="aid-title"')]
    assert pseudonym("P-TONO") in isolated
    assert "Tono Hartono" not in body
    assert "Arisan RT 03" in body and "Karang Taruna" in body
    assert reverse("groups:report_person", args=["P-BUDI"]) in body


def test_dashboard_default_area_is_the_widest_assignment(client, coordinator, scored):
    client.force_login(coordinator)
    response = client.get(dashboard_url())
    assert response.status_code == 200
    assert response.context["area"].ref == "D"


def test_dashboard_pseudonymises_for_coordinators_without_names(client, coordinator, scored):
    client.force_login(coordinator)
    body = text(client.get(dashboard_url("D")))
    assert "Budi Santoso" not in body
    assert pseudonym("P-BUDI") in body


def test_every_score_links_to_its_definition(client, coordinator, scored):
    client.force_login(coordinator)
    body = text(client.get(dashboard_url("D")))
    methodology = reverse("groups:methodology")
    for key in (
        "people",
        "exchanges",
        "isolated_share",
        "components",
        "bonding",
        "bridging",
        "linking",
        "reciprocity",
        "self_reliance",
        "ei_index",
        "brokers",
        "aid_dependence",
    ):
        assert f'href="{methodology}#{indicator_anchor(key)}"' in body, key


def test_group_and_person_scores_link_to_their_definitions(client, coordinator, scored):
    client.force_login(coordinator)
    methodology = reverse("groups:methodology")
    body = text(client.get(group_url()))
    for key in (
        "bonding",
        "bridging",
        "linking",
        "reciprocity",
        "self_reliance",
        "learning_share",
        "participation",
        "aid_dependence",
        "density",
        "ei_index",
        "norm_rating",
        "median",
    ):
        assert f'href="{methodology}#{indicator_anchor(key)}"' in body, key
    body = text(client.get(person_url("P-BUDI")))
    for key in (
        "partners",
        "given_received",
        "reciprocity",
        "resource_access",
        "betweenness",
        "constraint",
        "effective_size",
        "bonding",
        "bridging",
        "linking",
    ):
        assert f'href="{methodology}#{indicator_anchor(key)}"' in body, key


def test_dashboard_anonymous_goes_to_login(client, world):
    response = client.get(dashboard_url("D"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_dashboard_outside_scope_is_404(client, other_coordinator, scored):
    client.force_login(other_coordinator)
    assert client.get(dashboard_url("D")).status_code == 404


def test_dashboard_member_is_refused(client, member, scored):
    client.force_login(member)
    assert client.get(dashboard_url()).status_code == 403  # no report area at all
    assert client.get(dashboard_url("V1")).status_code == 404  # areas are not a member's scope


def test_dashboard_wrong_method(client, coordinator, scored):
    client.force_login(coordinator)
    assert client.post(dashboard_url("D")).status_code == 405


def test_dashboard_htmx_gets_the_report_fragment(client, coordinator, scored):
    client.force_login(coordinator)
    response = client.get(dashboard_url("D"), **HTMX)
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="report"')


@pytest.mark.parametrize(
    "query",
    [
        {"period": "dates", "start": "not-a-date", "end": "2026-01-01"},
        {"period": "dates", "start": "2026-05-01", "end": "2026-01-01"},
        {"period": "dates", "start": "2026-05-01"},
        {"period": "forever"},
        {"resource": "gold"},
        {"period": "dates", "start": "0001-01-01", "end": "9999-12-31"},
    ],
)
def test_dashboard_bad_filters_show_errors_and_defaults(client, coordinator, scored, query):
    client.force_login(coordinator)
    before = ScoreSnapshot.objects.count()
    response = client.get(dashboard_url("D"), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = text(response)
    assert 'class="errorlist' in body
    assert "Some filters were not valid" in body
    assert response.context["snapshot"].rolling  # the default period is shown
    assert ScoreSnapshot.objects.count() == before  # nothing requested for bad input


def test_dashboard_filters_by_period_and_resource(client, coordinator, scored):
    client.force_login(coordinator)
    start, end = TODAY - dt.timedelta(days=200), TODAY
    compute(scored["budi"].area.parent, start, end, Resource.KNOWLEDGE)
    response = client.get(
        dashboard_url("D"),
        {"period": "dates", "start": start.isoformat(), "end": end.isoformat(), "resource": "knowledge"},
    )
    snapshot = response.context["snapshot"]
    assert (snapshot.period_start, snapshot.period_end, snapshot.resource) == (start, end, "knowledge")
    assert response.context["scores"]["exchanges"] == 1


def test_dashboard_without_snapshot_requests_one_and_polls(client, coordinator, world):
    client.force_login(coordinator)
    response = client.get(dashboard_url("V2"))
    body = text(response)
    assert response.status_code == 200
    assert 'hx-trigger="every 3s"' in body
    assert f'href="{dashboard_url("V2")}"' in body  # plain reload link
    # a village's page asks for its community's snapshot (the district's), never its own
    pending = ScoreSnapshot.objects.get(area=world.district)
    assert pending.status == SnapshotStatus.PENDING and pending.rolling
    client.get(dashboard_url("V2"), **HTMX)
    assert ScoreSnapshot.objects.count() == 1  # polling asks once


def test_dashboard_after_a_failure_stops_polling(client, coordinator, world):
    window = windows.default_window()
    ScoreSnapshot.objects.create(
        area=world.district,  # V2's community
        period_start=window.start,
        period_end=window.end,
        rolling=True,
        status=SnapshotStatus.FAILED,
        computed_at=timezone.now(),
        error="boom",
    )
    client.force_login(coordinator)
    body = text(client.get(dashboard_url("V2")))
    assert "every 3s" not in body
    assert "boom" not in body
    assert ScoreSnapshot.objects.count() == 1


def test_dashboard_says_when_betweenness_is_estimated(client, coordinator, scored):
    ScoreSnapshot.objects.filter(area__ref="D").update(betweenness_estimated=True)
    client.force_login(coordinator)
    body = text(client.get(dashboard_url("D"), HTTP_ACCEPT_LANGUAGE="en"))
    assert f"{reverse('groups:methodology')}#betweenness" in body
    assert "estimated from a" in body


# ---------------------------------------------------------------------- group report


def test_group_report_for_its_facilitator(client, facilitator, scored):
    client.force_login(facilitator)
    response = client.get(group_url())
    assert response.status_code == 200
    body = text(response)
    assert response.context["area"].ref == "D"  # the group's community, whoever looks
    assert 'id="member-network-t"' in body and 'id="group-profile-t"' in body
    assert "Tono Hartono" in body  # facilitators see everyone, consent or not
    assert "Setoran Rp 50.000 tiap bulan." in body
    assert change_url() in body
    members = {row["name"] for row in response.context["network"]["members"]}
    assert members == {"Sri Handayani", "Siti Maryati", "Budi Santoso", "Tono Hartono"}


def test_group_report_compares_with_the_area_median(client, coordinator, scored):
    client.force_login(coordinator)
    response = client.get(group_url())
    assert response.context["area"].ref == "D"
    profile = {row["key"]: row for row in response.context["profile"]}
    assert set(profile) >= {
        "bonding",
        "bridging",
        "linking",
        "reciprocity",
        "self_reliance",
        "learning_share",
        "participation",
    }
    assert profile["linking"]["value"] is not None
    assert profile["linking"]["median"] is not None


def test_group_report_anonymous(client, world):
    assert client.get(group_url()).status_code == 302


def test_group_report_outsider_404(client, other_facilitator, scored):
    client.force_login(other_facilitator)
    assert client.get(group_url()).status_code == 404


def test_group_report_member_403(client, member, scored):
    client.force_login(member)
    assert client.get(group_url()).status_code == 403


def test_group_report_wrong_method(client, facilitator, scored):
    client.force_login(facilitator)
    assert client.post(group_url()).status_code == 405


def test_group_report_htmx_fragment(client, facilitator, scored):
    client.force_login(facilitator)
    body = text(client.get(group_url(), {"resource": "money"}, **HTMX))
    assert "<html" not in body and 'id="report"' in body


def test_group_report_bad_filter(client, facilitator, scored):
    client.force_login(facilitator)
    response = client.get(group_url(), {"period": "dates", "start": "2026-13-45", "end": "x"})
    assert response.status_code == 200
    assert 'class="errorlist' in text(response)
    assert response.context["score"] is not None


def test_group_report_new_group_waits_for_computation(client, facilitator, scored, world):
    group = f.GroupFactory(ref="G-NEW", area=world.village)
    group.facilitators.add(facilitator)
    client.force_login(facilitator)
    body = text(client.get(group_url("G-NEW")))
    assert 'hx-trigger="every 3s"' in body
    assert ScoreSnapshot.objects.filter(area=world.district, status=SnapshotStatus.PENDING).count() == 1


# ------------------------------------------------------------------- before and after


def test_change_compares_before_and_after(client, facilitator, scored):
    client.force_login(facilitator)
    response = client.get(change_url(), {"months": "2"})
    assert response.status_code == 200
    assert response.context["months"] == 2
    rows = {row["key"]: row for row in response.context["rows"]}
    assert rows["exchanges"]["after"] >= 1
    assert rows["linking_actors"]["after"] == 1  # the agency's help came after the training
    assert "Dinas Pertanian" in text(response)


def test_change_default_months_and_bad_input(client, facilitator, scored):
    client.force_login(facilitator)
    assert client.get(change_url()).context["months"] == 3
    response = client.get(change_url(), {"months": "99"})
    assert response.status_code == 200
    assert response.context["months"] == 3
    assert 'class="errorlist' in text(response)


def test_change_only_for_trainings_and_forums_of_the_group(
    client, facilitator, other_facilitator, scored, world
):
    client.force_login(facilitator)
    assert client.get(change_url(activity="ACT-MEET")).status_code == 404
    f.ActivityFactory(ref="ACT-ELSEWHERE", group=world.other_group, kind=ActivityKind.TRAINING)
    assert client.get(change_url(activity="ACT-ELSEWHERE")).status_code == 404
    client.force_login(other_facilitator)
    assert client.get(change_url()).status_code == 404


def test_change_refuses_members_anonymous_and_posts(client, member, facilitator, scored):
    assert client.get(change_url()).status_code == 302
    client.force_login(member)
    assert client.get(change_url()).status_code == 403
    client.force_login(facilitator)
    assert client.post(change_url()).status_code == 405


def test_change_htmx_fragment(client, facilitator, scored):
    client.force_login(facilitator)
    body = text(client.get(change_url(), {"months": "4"}, **HTMX))
    assert "<html" not in body and body.lstrip().startswith('<div id="change"')


# ----------------------------------------------------------------------- person profile


def test_person_profile_for_a_coordinator(client, coordinator, scored):
    named_coordinator(coordinator)
    client.force_login(coordinator)
    response = client.get(person_url("P-BUDI"))
    assert response.status_code == 200
    body = text(response)
    assert "Budi Santoso" in body
    assert response.context["is_broker"]
    partners = {row["name"] for row in response.context["partners"]}
    assert partners == {"Sri Handayani", "Ani Lestari", "Siti Maryati"}
    assert 'id="person-by-type-t"' in body


def test_person_profile_of_someone_without_consent(client, coordinator, facilitator, scored):
    named_coordinator(coordinator)
    client.force_login(coordinator)
    # consent first: only those who look after Tono may open his profile, and the dashboard
    # lists him under a stand-in name without a link
    assert client.get(person_url("P-TONO")).status_code == 403
    body = text(client.get(dashboard_url("D")))
    assert pseudonym("P-TONO") in body and person_url("P-TONO") not in body
    client.force_login(facilitator)
    response = client.get(person_url("P-TONO"))
    assert response.status_code == 200
    assert "Tono Hartono" in text(response)


def test_member_sees_their_own_profile_only(client, member, scored):
    client.force_login(member)
    response = client.get(person_url("P-MEMBER"))
    assert response.status_code == 200
    assert "Sri Handayani" in text(response)
    assert response.context["own"]
    assert client.get(person_url("P-MEMBER2")).status_code == 403  # in their group, but not theirs
    assert client.get(person_url("P-OTHER")).status_code == 404


def test_person_profile_anonymous_outsider_method_htmx(client, other_coordinator, coordinator, scored):
    assert client.get(person_url("P-BUDI")).status_code == 302
    client.force_login(other_coordinator)
    assert client.get(person_url("P-BUDI")).status_code == 404
    client.force_login(coordinator)
    assert client.post(person_url("P-BUDI")).status_code == 405
    body = text(client.get(person_url("P-BUDI"), {"resource": ""}, **HTMX))
    assert "<html" not in body and 'id="report"' in body


def test_person_profile_bad_filter(client, coordinator, scored):
    client.force_login(coordinator)
    response = client.get(person_url("P-BUDI"), {"resource": "<script>"})
    assert response.status_code == 200
    assert "<script>" not in text(response)
    assert 'class="errorlist' in text(response)


# ------------------------------------------------------------------------ methodology


def test_methodology_defines_every_indicator(client, member):
    client.force_login(member)
    response = client.get(reverse("groups:methodology"))
    assert response.status_code == 200
    body = text(response)
    for key in INDICATORS:
        assert f'id="{indicator_anchor(key)}"' in body, key
    assert len(re.findall(r'<section id="', body)) >= len(INDICATORS)


def test_methodology_login_and_method(client, member):
    url = reverse("groups:methodology")
    assert client.get(url).status_code == 302
    client.force_login(member)
    assert client.post(url).status_code == 405


def test_nav_links(client, coordinator, member, scored):
    client.force_login(coordinator)
    body = text(client.get(reverse("groups:home")))
    assert f'href="{dashboard_url()}"' in body
    assert f'href="{reverse("groups:methodology")}"' in body
    client.force_login(member)
    body = text(client.get(reverse("groups:home")))
    assert f'href="{dashboard_url()}"' not in body
    assert f'href="{reverse("groups:methodology")}"' in body


# ---------------------------------------------------------------------- query counts


def grow(world, groups: int, size: int):
    """Add `groups` groups of `size` members with a ring of exchanges in village V1."""
    people = Person.objects.bulk_create(
        [
            Person(ref=f"P-X{i}", full_name=f"Warga {i}", area=world.village, consent_on=TODAY)
            for i in range(groups * size)
        ]
    )
    for g in range(groups):
        group = f.GroupFactory(ref=f"G-X{g}", area=world.village)
        members = people[g * size : (g + 1) * size]
        Membership.objects.bulk_create(
            [Membership(person=p, group=group, joined_on=dt.date(2020, 1, 1)) for p in members]
        )
        for a, b in zip(members, members[1:] + members[:1], strict=True):
            f.ExchangeFactory(giver_person=a, receiver_person=b, date=RECENT)
        f.NormFactory(group=world.group)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.slow
def test_dashboard_and_group_report_queries_do_not_grow(
    client, coordinator, scored, world, django_assert_max_num_queries
):
    client.force_login(coordinator)
    dashboard_small = count_queries(client, dashboard_url("D"))
    group_small = count_queries(client, group_url())
    person_small = count_queries(client, person_url("P-BUDI"))
    grow(world, groups=6, size=25)
    compute(world.district)
    with django_assert_max_num_queries(dashboard_small):
        response = client.get(dashboard_url("D"))
    assert len(response.context["group_rows"]) == 8
    with django_assert_max_num_queries(group_small):
        client.get(group_url())
    with django_assert_max_num_queries(person_small):
        client.get(person_url("P-BUDI"))


def test_empty_area_and_empty_group_render(client, coordinator, world):
    empty = f.VillageFactory(ref="V-EMPTY", name="Desa Kosong", parent=world.district)
    lonely = f.GroupFactory(ref="G-LONELY", area=empty)
    compute(world.district)
    compute(empty)
    client.force_login(coordinator)
    response = client.get(dashboard_url("V-EMPTY"))
    assert response.status_code == 200
    assert response.context["scores"]["people"] == 0
    response = client.get(group_url(lonely.ref))
    assert response.status_code == 200
    assert response.context["network"]["members"] == []
    # nothing recorded: no sentence at all, and the page says why
    assert response.context["sentences"] == [] and response.context["named_sentences"] == []
    assert "#evidence" in response.content.decode()


def test_group_report_exchanges_by_resource_from_the_snapshot(client, facilitator, scored, world):
    client.force_login(facilitator)
    stored = {row["label"]: row["counts"] for row in client.get(group_url()).context["resource_rows"]}
    assert sum(map(sum, stored.values())) >= 5
    # a snapshot from before these counts were stored says so instead of showing nothing
    from groups.models import GroupScore

    for row in GroupScore.objects.filter(group=world.group):
        row.trend.pop("exchanges_by_resource", None)
        row.save(update_fields=["trend"])
    response = client.get(group_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["resource_rows"] == []
    assert "older computation" in text(response)


def test_group_trend_chart_with_too_few_records_does_not_say_there_were_no_exchanges(
    client, facilitator, world
):
    # One confirmed exchange between the two members: the resource table counts it, but no
    # quarterly score rests on enough records, so the profile-per-quarter chart draws no line.
    # Its empty text used to read "No exchanges in this period." under a table showing 1.
    f.ExchangeFactory(
        giver_person=world.member_person, receiver_person=world.member2_person, group=world.group, date=RECENT
    )
    compute(world.district)
    client.force_login(facilitator)
    response = client.get(group_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert sum(map(sum, (row["counts"] for row in response.context["resource_rows"]))) == 1
    chart = str(response.context["trend_chart"])
    assert 'id="group-trend-t"' in chart
    assert "No exchanges in this period." not in chart
    assert "No quarter has enough records for a score yet" in chart
