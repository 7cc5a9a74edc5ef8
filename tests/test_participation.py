"""Participation, quiet groups, norm ratings and the before/after page (definitions 6-8 of the
methodology page), each checked against values worked out by hand in the comments."""

import datetime as dt

import pytest
from django.urls import reverse

from groups.models import ActivityKind, MeetingFrequency, NormReview, Resource
from groups.scores import analysis, collect, reading, snapshots
from groups.scores.analysis import ActivityRecord, GroupCalendar, ScopeData, Spell
from groups.scores.areas import community_of
from groups.scores.pages.change import learning_counts, sides

from . import factories as f
from .factories import once

D = dt.date
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
START, END = D(2026, 1, 1), D(2026, 6, 30)
PERIOD = {"period": "dates", "start": START.isoformat(), "end": END.isoformat()}


def group_of(data: ScopeData, gid: str = "g:1") -> analysis.GroupScores:
    return analysis.compute_scores(data, betweenness=False).groups[gid]


# ------------------------------------------------------------------ participation (pure)


def test_a_member_who_joined_late_is_not_counted_absent_before_joining():
    # a, b, c members from the start; d joins on 1 June.
    # 1 Mar: a, b, c come; members that day a, b, c -> 3/3 = 1.0
    # 1 Jul: a, d come; members that day a, b, c, d -> 2/4 = 0.5
    # participation = (1.0 + 0.5) / 2 = 0.75 (counting d absent in March would give 0.625)
    people = ("p:a", "p:b", "p:c", "p:d")
    data = ScopeData(
        people=people,
        actors=(),
        flows=(),
        memberships={"g:1": frozenset(people)},
        membership_spells={
            "g:1": (Spell("p:a"), Spell("p:b"), Spell("p:c", D(2025, 1, 1)), Spell("p:d", D(2026, 6, 1)))
        },
        activities=(
            ActivityRecord("g:1", frozenset({"p:a", "p:b", "p:c"}), D(2026, 3, 1)),
            ActivityRecord("g:1", frozenset({"p:a", "p:d"}), D(2026, 7, 1)),
        ),
    )
    group = group_of(data)
    assert group.participation == pytest.approx(0.75)
    assert group.bases["participation"] == 2


def test_a_member_who_left_is_not_counted_after_leaving():
    # b left on 31 March. 1 May: a comes; members that day: a only -> 1/1 = 1.0
    data = ScopeData(
        people=("p:a", "p:b"),
        actors=(),
        flows=(),
        memberships={"g:1": frozenset({"p:a", "p:b"})},
        membership_spells={"g:1": (Spell("p:a"), Spell("p:b", None, D(2026, 3, 31)))},
        activities=(ActivityRecord("g:1", frozenset({"p:a"}), D(2026, 5, 1)),),
    )
    assert group_of(data).participation == 1.0


def test_an_activity_without_attendance_is_counted_apart_never_as_zero():
    # 4 members. Meeting 1: a and b ticked -> 2/4 = 0.5. Meeting 2: nobody ticked -> not
    # recorded: participation stays 0.5 (as zero it would be (0.5 + 0) / 2 = 0.25).
    people = ("p:a", "p:b", "p:c", "p:d")
    data = ScopeData(
        people=people,
        actors=(),
        flows=(),
        memberships={"g:1": frozenset(people)},
        activities=(
            ActivityRecord("g:1", frozenset({"p:a", "p:b"}), D(2026, 2, 1)),
            ActivityRecord("g:1", frozenset(), D(2026, 3, 1)),
        ),
    )
    group = group_of(data)
    assert group.participation == 0.5
    assert (group.bases["participation"], group.attendance_unrecorded) == (1, 1)


def test_only_unrecorded_activities_leave_participation_blank():
    data = ScopeData(
        people=("p:a",),
        actors=(),
        flows=(),
        memberships={"g:1": frozenset({"p:a"})},
        activities=(ActivityRecord("g:1", frozenset(), D(2026, 3, 1)),),
    )
    group = group_of(data)
    assert (group.participation, group.bases["participation"], group.attendance_unrecorded) == (None, 0, 1)


def test_participation_from_the_database_uses_membership_dates(world):
    # G1: Sri and Siti from 2024; Budi joins 1 May 2026. Meeting 1 Apr: Sri, Siti -> 2/2 = 1.0;
    # meeting 1 Jun: Sri, Budi -> 2/3; a meeting on 1 Jun with nobody ticked is counted apart.
    # participation = (1 + 2/3) / 2 = 5/6
    budi = f.PersonFactory(area=world.village)
    f.MembershipFactory(person=budi, group=world.group, joined_on=D(2026, 5, 1))
    f.ActivityFactory(group=world.group, date=D(2026, 4, 1)).attendees.set(
        [world.member_person, world.member2_person]
    )
    f.ActivityFactory(group=world.group, date=D(2026, 6, 1)).attendees.set([world.member_person, budi])
    f.ActivityFactory(group=world.group, date=D(2026, 6, 1))
    group = group_of(collect.scope_data(world.district, START, END), f"g:{world.group.pk}")
    assert group.participation == pytest.approx(5 / 6)
    assert (group.bases["participation"], group.attendance_unrecorded) == (2, 1)


# ------------------------------------------------------------------------- quiet groups


def test_a_monthly_group_is_quiet_one_day_after_three_intervals():
    # monthly: 3 x 30 = 90 days. Last activity 1 Mar; 30 May is day 90: not quiet yet (the third
    # missed meeting could still be held that day); 31 May is day 91: quiet.
    monthly = GroupCalendar(MeetingFrequency.MONTHLY, D(2026, 3, 1))
    assert analysis.quiet_after_days(MeetingFrequency.MONTHLY) == 90
    assert not analysis.is_quiet(monthly, D(2026, 5, 30))
    assert analysis.is_quiet(monthly, D(2026, 5, 31))


def test_a_weekly_group_and_a_group_without_a_declared_interval():
    # weekly: 3 x 7 = 21 days; none declared (or irregular): 90 days
    weekly = GroupCalendar(MeetingFrequency.WEEKLY, D(2026, 3, 1))
    assert not analysis.is_quiet(weekly, D(2026, 3, 22)) and analysis.is_quiet(weekly, D(2026, 3, 23))
    for frequency in ("", MeetingFrequency.IRREGULAR):
        rhythm = GroupCalendar(frequency, D(2026, 3, 1))
        assert not analysis.is_quiet(rhythm, D(2026, 5, 30)) and analysis.is_quiet(rhythm, D(2026, 5, 31))


def test_a_group_without_any_activity_counts_from_its_start():
    # formed 1 June, nothing recorded: 29 days by 30 June -> not quiet; by 30 Sep (121 days) quiet
    fresh = GroupCalendar("", None, D(2026, 6, 1))
    assert not analysis.is_quiet(fresh, D(2026, 6, 30))
    assert analysis.is_quiet(fresh, D(2026, 9, 30))


def test_the_dashboard_lists_quiet_groups_with_their_last_activity(client, coordinator, world):
    # Window ends 30 Jun. G1 (monthly) last met 1 Apr: 90 days, not quiet. G2 (monthly) last met
    # 31 Mar: 91 days, quiet. G3 (nothing declared) formed 2025, never met: quiet, no activity.
    world.group.meeting_frequency = world.group2.meeting_frequency = MeetingFrequency.MONTHLY
    world.group.save()
    world.group2.save()
    g3 = f.GroupFactory(ref="G3", name="Kelompok Sepi", area=world.village, formed_on=D(2025, 1, 1))
    f.ActivityFactory(group=world.group, date=D(2026, 4, 1))
    f.ActivityFactory(group=world.group2, date=D(2025, 12, 1))  # before the window: still read
    f.ActivityFactory(group=world.group2, date=D(2026, 3, 31))
    snapshots.compute_snapshot(reading.request_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, **EN)
    listed = [(row.group.ref, row.last_activity) for row in response.context["quiet_groups"]]
    assert listed == [("G3", None), ("G2", D(2026, 3, 31))]  # never met first, then the oldest
    body = response.content.decode()
    assert "Quiet groups" in body and "last 31 Mar 2026" in body and "no activity recorded" in body
    report = client.get(reverse("groups:report_group", args=[g3.ref]), PERIOD, **EN).content.decode()
    assert "Quiet group." in report and "No activity recorded at all by the end of the period." in report


def test_a_group_that_has_ended_is_not_listed_as_quiet(client, coordinator, world):
    # G3 never met since 2025 (quiet, as above) but is marked as no longer active: it has ended,
    # and the dashboard's "worth a visit" list must not send a facilitator to it. G4, the same
    # but still active, stays listed.
    g3 = f.GroupFactory(ref="G3", area=world.village, formed_on=D(2025, 1, 1), is_active=False)
    f.GroupFactory(ref="G4", area=world.village, formed_on=D(2025, 1, 1))
    assert not analysis.is_quiet(GroupCalendar("", None, D(2025, 1, 1), active=False), END)
    snapshots.compute_snapshot(reading.request_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, **EN)
    assert "G3" not in [row.group.ref for row in response.context["quiet_groups"]]
    assert "G4" in [row.group.ref for row in response.context["quiet_groups"]]
    report = client.get(reverse("groups:report_group", args=[g3.ref]), PERIOD, **EN).content.decode()
    assert "Quiet group." not in report


# ------------------------------------------------------------------------- norm ratings


def test_review_is_current_within_the_twelve_months_before_the_end():
    end = D(2026, 6, 30)
    assert analysis.review_is_current(D(2025, 7, 1), end)  # 12 months minus a day
    assert not analysis.review_is_current(D(2025, 6, 30), end)  # exactly 12 months: due
    assert not analysis.review_is_current(D(2026, 7, 1), end)  # after the end: not yet made


def test_a_norm_whose_latest_review_is_older_than_twelve_months_is_due_not_averaged(
    client, coordinator, world
):
    # Window ends 30 Jun 2026. A: 4 (May 2026); B: 3 (Jan 2025) then 2 (Jan 2026) -> latest 2;
    # C: 5 (Mar 2025) -> older than 12 months: due; D: never reviewed: due.
    # norm_rating = (4 + 2) / 2 = 3.0 (C averaged in would give (4 + 2 + 5) / 3 = 3.67)
    a, b, c, _d = (f.NormFactory(group=world.group, statement=f"Norma {x}") for x in "ABCD")
    a.reviews.create(reviewed_on=D(2026, 5, 10), rating=4)
    b.reviews.create(reviewed_on=D(2025, 1, 10), rating=3)
    b.reviews.create(reviewed_on=D(2026, 1, 10), rating=2)
    c.reviews.create(reviewed_on=D(2025, 3, 10), rating=5)
    group = group_of(collect.scope_data(world.district, START, END), f"g:{world.group.pk}")
    assert (group.norm_rating, group.norms_active, group.norms_due, group.bases["norm_rating"]) == (
        3.0,
        4,
        2,
        2,
    )
    snapshots.compute_snapshot(reading.request_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, **EN)
    due = {norm.statement: norm.due for norm in response.context["norms"]}
    assert due == {"Norma A": False, "Norma B": False, "Norma C": True, "Norma D": True}
    body = response.content.decode()
    assert "2 norms in force have had no review in the 12 months before 30 Jun 2026" in body
    assert body.count("due for review</span>") == 2


def test_a_review_after_the_window_does_not_mark_a_norm_due_on_the_page(client, coordinator, world):
    # Window ends 30 Jun 2026. Norm A: 4 in May 2026 (current: rated, not due) and 2 on 1 Jul
    # 2026 (after the window: not yet made). The score rates A 4 over 1 norm, 0 due; the page
    # must mark the same norm as the score counts it: not due (the 1 Jul review, read against
    # 30 Jun, would look "not current" and show a badge the score's count contradicts).
    a = f.NormFactory(group=world.group, statement="Norma A")
    a.reviews.create(reviewed_on=D(2026, 5, 10), rating=4)
    a.reviews.create(reviewed_on=D(2026, 7, 1), rating=2)
    assert analysis.current_review([(D(2026, 5, 10), 4), (D(2026, 7, 1), 2)], END) == 4
    snapshots.compute_snapshot(reading.request_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, **EN)
    assert (response.context["score"].norm_rating, response.context["score"].norms_due) == (4.0, 0)
    assert [norm.due for norm in response.context["norms"]] == [False]
    assert "due for review</span>" not in response.content.decode()


# ------------------------------------------------------------- who rated, on the form


@pytest.fixture
def norm(world):
    return f.NormFactory(ref="N-IURAN", group=world.group, statement="Iuran tiap bulan.")


def review_url(norm):
    return reverse("groups:normreview_create", args=["G1", norm.ref])


def test_a_review_records_who_rated_and_how_many(client, facilitator, norm):
    client.force_login(facilitator)
    data = {"reviewed_on": "2026-03-01", "rating": "4", "rated_by": "group_meeting", "raters": "14"}
    response = client.post(review_url(norm), once(data))
    assert response.status_code == 302
    review = NormReview.objects.get()
    assert (review.rated_by, review.raters) == ("group_meeting", 14)
    detail = client.get(reverse("groups:norm_detail", args=["G1", norm.ref]), **EN).content.decode()
    assert "The group, at a meeting · 14 people" in detail


def test_the_leader_alone_is_one_rater(client, facilitator, norm):
    client.force_login(facilitator)
    data = {"reviewed_on": "2026-03-01", "rating": "3", "rated_by": "leader", "raters": ""}
    client.post(review_url(norm), once(data))
    assert NormReview.objects.get().raters == 1


@pytest.mark.parametrize(
    "data, language, message",
    [
        ({"raters": "0"}, "en", "At least one person rates a norm: write 1 or more, or leave it blank."),
        (
            {"raters": "0"},
            "id",
            "Paling sedikit satu orang menilai norma: tulis 1 atau lebih, atau kosongkan.",
        ),
        ({"raters": "banyak"}, "en", "Write the number of people as a whole number, like 12."),
        ({"raters": "banyak"}, "id", "Tulis jumlah orang dengan angka bulat, misalnya 12."),
        ({"rated_by": ""}, "en", "Say who rated the norm."),
        ({"rated_by": ""}, "id", "Sebutkan siapa yang menilai norma ini."),
        (
            {"rated_by": "facilitator", "raters": "5"},
            "en",
            "The leader or the facilitator rating alone is one person: write 1.",
        ),
        (
            {"rated_by": "facilitator", "raters": "5"},
            "id",
            "Ketua atau pendamping yang menilai sendiri dihitung satu orang: tulis 1.",
        ),
    ],
)
def test_invalid_raters_are_refused_in_both_languages(client, facilitator, norm, data, language, message):
    client.force_login(facilitator)
    client.cookies["django_language"] = language
    posted = {"reviewed_on": "2026-03-01", "rating": "4", "rated_by": "group_meeting", **data}
    response = client.post(review_url(norm), once(posted))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NormReview.objects.exists()


# ------------------------------------------------------------------------ before / after


def test_the_activity_day_is_on_neither_side():
    # 15 Jun, 1 month: before 15 May - 14 Jun, after 16 Jun - 15 Jul
    assert sides(D(2026, 6, 15), 1) == ((D(2026, 5, 15), D(2026, 6, 14)), (D(2026, 6, 16), D(2026, 7, 15)))


def test_learning_counts_keep_the_institution_apart_and_count_spread_to_absent_members():
    # members a, b, c; a attended. a->c knowledge: between members AND to an absent member;
    # c->a information: between members only (from someone who missed it); the institution's
    # knowledge to b is its own input; a->b money is not learning.
    flows = [
        (D(2026, 7, 1), "p:a", "p:c", "knowledge"),
        (D(2026, 7, 1), "p:c", "p:a", "information"),
        (D(2026, 7, 1), "a:9", "p:b", "knowledge"),
        (D(2026, 7, 1), "p:a", "p:b", "money"),
    ]
    counts = learning_counts(flows, {"p:a", "p:b", "p:c"}, {"p:a"}, "a:9")
    assert counts == {"from_actor": 1, "among_members": 2, "to_absent": 1}


@pytest.fixture
def trained(world):
    """District D: G1 (V1) trained on 15 Jun 2026 by an agency, members m1..m4, m1 and m2
    attended; G2 (V2) and G4 (V1): comparison groups; G5 (V2) had its own training: left out."""
    agency = f.ActorFactory(ref="A-DINAS", name="Dinas Pertanian", area=world.district)
    m = [f.PersonFactory(area=world.village) for _ in range(4)]
    for person in m:
        f.MembershipFactory(person=person, group=world.group)
    training = f.ActivityFactory(
        ref="ACT-TRAIN", group=world.group, kind=ActivityKind.TRAINING, date=D(2026, 6, 15), actor=agency
    )
    training.attendees.set(m[:2])

    def x(giver, receiver, resource, day, **kw):
        f.ExchangeFactory(giver_person=giver, receiver_person=receiver, resource=resource, date=day, **kw)

    # on the day (neither side): the agency teaches m1, m1 tells m2
    x(None, m[0], Resource.KNOWLEDGE, D(2026, 6, 15), giver_actor=agency)
    x(m[0], m[1], Resource.KNOWLEDGE, D(2026, 6, 15))
    # before: 2 member exchanges (m1->m3 knowledge: to an absent member; m3->m4 money)
    x(m[0], m[2], Resource.KNOWLEDGE, D(2026, 6, 1))
    x(m[2], m[3], Resource.MONEY, D(2026, 6, 2))
    # after: 4 (agency->m1 knowledge; m1->m3, m2->m4: to absent members; m3->m1: from an absent one)
    x(None, m[0], Resource.KNOWLEDGE, D(2026, 6, 20), giver_actor=agency)
    x(m[0], m[2], Resource.KNOWLEDGE, D(2026, 6, 25))
    x(m[1], m[3], Resource.INFORMATION, D(2026, 7, 1))
    x(m[2], m[0], Resource.KNOWLEDGE, D(2026, 7, 2))

    def group_with_exchanges(ref, area, before, after):
        group = f.GroupFactory(ref=ref, area=area) if ref != "G2" else world.group2
        a, b = f.PersonFactory(area=area), f.PersonFactory(area=area)
        for person in (a, b):
            f.MembershipFactory(person=person, group=group)
        for day, count in ((D(2026, 6, 1), before), (D(2026, 7, 1), after)):
            for _ in range(count):
                x(a, b, Resource.MONEY, day)
        return group

    group_with_exchanges("G2", world.village2, 2, 3)  # +1
    group_with_exchanges("G4", world.village, 4, 1)  # -3
    g5 = group_with_exchanges("G5", world.village2, 0, 10)  # +10, but trained too
    f.ActivityFactory(group=g5, kind=ActivityKind.PLANNING_FORUM, date=D(2026, 6, 10))
    return training


def test_before_after_on_a_small_community(client, coordinator, world, trained):
    client.force_login(coordinator)
    url = reverse("groups:report_group_change", args=["G1", "ACT-TRAIN"])
    response = client.get(url, {"months": "1"}, **EN)
    context = response.context
    assert context["community"] == world.district == community_of(world.village)
    rows = {row["key"]: row for row in context["rows"]}
    # G1: 2 exchanges before, 4 after (the 2 on the day are on neither side): +2.
    # Comparison groups G2 (+1) and G4 (-3); G5 had a forum: left out.
    # median = (1 + -3) / 2 = -1 (with G5: median(1, -3, 10) = 1); difference = 2 - (-1) = 3
    exchanges = rows["exchanges"]
    assert (exchanges["before"], exchanges["after"], exchanges["delta"]) == (2, 4, 2)
    assert (exchanges["median_delta"], exchanges["difference"]) == (-1, 3)
    assert context["comparison_count"] == 2
    # learning share: before 1 of 2 = 0.5; after 4 of 4 = 1.0
    assert (rows["learning_share"]["before"], rows["learning_share"]["after"]) == (0.5, 1.0)
    learning = {row["key"]: (row["before"], row["after"]) for row in context["learning"]}
    # the agency's input apart: 0 before, 1 after (and 1 on the day itself)
    assert learning["from_actor"] == (0, 1) and context["actor_on_the_day"] == 1
    # between members: before m1->m3 = 1; after m1->m3, m2->m4, m3->m1 = 3
    assert learning["among_members"] == (1, 3)
    # from attendees (m1, m2) to members who missed it (m3, m4): before 1, after 2
    assert learning["to_absent"] == (1, 2)
    body = response.content.decode()
    assert "Difference from comparison groups" in body and "A clue, not a proof" in body
    assert "From Dinas Pertanian to members (the activity&#x27;s own input)" in body
    assert any(
        "2 times, against 1 before: a clue that the learning is spreading" in s for s in context["sentences"]
    )


def test_before_after_is_the_same_for_a_village_facilitator_and_the_coordinator(
    client, facilitator, coordinator, trained
):
    url = reverse("groups:report_group_change", args=["G1", "ACT-TRAIN"])
    seen = []
    for user in (facilitator, coordinator):
        client.force_login(user)
        response = client.get(url, {"months": "1"}, **EN)
        seen.append(
            [
                (row["key"], row["before"], row["after"], row["median_delta"])
                for row in response.context["rows"]
            ]
        )
    assert seen[0] == seen[1]


def test_before_after_queries_do_not_grow_with_the_community(
    client, coordinator, world, trained, django_assert_max_num_queries
):
    client.force_login(coordinator)
    url = reverse("groups:report_group_change", args=["G1", "ACT-TRAIN"])
    with django_assert_max_num_queries(60) as first:
        client.get(url, {"months": "1"})
    for _ in range(5):  # five more comparison groups with members and exchanges on both sides
        group = f.GroupFactory(area=world.village2)
        a, b = f.PersonFactory(area=world.village2), f.PersonFactory(area=world.village2)
        for person in (a, b):
            f.MembershipFactory(person=person, group=group)
        for day in (D(2026, 6, 1), D(2026, 7, 1)):
            f.ExchangeFactory(giver_person=a, receiver_person=b, date=day)
        f.ActivityFactory(group=group, date=D(2026, 6, 2)).attendees.set([a])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url, {"months": "1"})
    assert response.context["comparison_count"] == 7
