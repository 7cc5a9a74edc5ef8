"""Enough evidence (groups/scores/evidence.py), data quality per group, the "confirmed only"
choice, and the sentences chosen from them (groups/scores/sentences.py)."""

import csv
import datetime as dt
import io
import itertools
import zipfile
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from groups.models import GroupScore, PersonScore, Resource
from groups.scores import analysis, evidence, reading, sentences, snapshots
from groups.scores.analysis import Flow, ScopeData
from groups.services import exchanges as exchange_services
from groups.services import registry as registry_services

from . import factories as f

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
PERIOD = {"period": "dates", "start": START.isoformat(), "end": END.isoformat()}
DAY = dt.date(2026, 6, 1)


def computed(area, **kwargs):
    return snapshots.compute_snapshot(reading.create_snapshot(area, START, END, **kwargs))


# ----------------------------------------------------------------- the minimums


@pytest.mark.parametrize("key", sorted(evidence.EVIDENCE))
def test_each_minimum_hides_one_record_less_and_shows_the_minimum(key):
    n = evidence.minimum(key)
    with translation.override("en"):
        assert not evidence.enough(key, {key: n - 1})
        assert evidence.shown(key, "38%", {key: n - 1}) == f"too few records ({n - 1})"
        assert evidence.enough_value(key, 0.38, {key: n - 1}) is None
        assert evidence.enough(key, {key: n})
        assert evidence.shown(key, "38%", {key: n}).startswith("38% ")
        assert str(n) in evidence.shown(key, "38%", {key: n})
        assert evidence.enough_value(key, 0.38, {key: n}) == 0.38
    assert not evidence.enough(key, {})  # a value whose base was never stored is not trusted


def test_the_suggested_minimums_are_the_registrys():
    from groups.scores.indicators import BY_KEY

    assert (evidence.EXCHANGES, evidence.MEMBERS, evidence.ACTIVITIES, evidence.NORMS, evidence.TIES) == (
        10,
        3,
        3,
        2,
        5,
    )
    assert BY_KEY["self_reliance"].minimum == 10 and BY_KEY["self_reliance"].unit == "exchanges"
    assert BY_KEY["density"].minimum == 3 and BY_KEY["centralization"].minimum == 3
    assert BY_KEY["participation"].minimum == 3 and BY_KEY["norm_rating"].minimum == 2
    assert BY_KEY["bonding"].minimum == 5
    assert BY_KEY["exchanges"].minimum == 0  # a count is what it is
    assert evidence.enough("exchanges", {})


def test_too_few_records_and_bases_in_both_languages():
    with translation.override("en"):
        assert evidence.shown("learning_share", "4%", {"learning_share": 9}) == "too few records (9)"
        assert evidence.shown("learning_share", "38%", {"learning_share": 26}) == "38% of 26 exchanges"
        assert evidence.shown("bonding", "60%", {"bonding": 5}) == "60% of 5 ties"
        assert evidence.shown("ei_index", "0.4", {"ei_index": 168}) == "0.4 over 168 ties"  # not a share
        assert evidence.shown("participation", "70%", {"participation": 4}) == (
            "70% over 4 activities with attendance"
        )
        assert evidence.shown("norm_rating", "3.5", {"norm_rating": 2}) == "3.5 from 2 reviewed norms"
        assert evidence.records("ties", 1) == "1 tie"  # the singular
    with translation.override("id"):
        assert evidence.shown("learning_share", "4%", {"learning_share": 9}) == "catatan terlalu sedikit (9)"
        assert evidence.shown("learning_share", "38%", {"learning_share": 26}) == "38% dari 26 pertukaran"
        assert evidence.shown("density", "50%", {"density": 4}) == "50% di antara 4 anggota"


# --------------------------------------------------------- rankings and medians

# Group A: 4 members, 12 exchanges among them over 5 ties (p1-p2 x3, p2-p3 x3, p3-p4 x2,
# p4-p1 x2, p1-p3 x2): self-reliance 12/12 = 1.0 on 12 received, E-I (0-5)/5 = -1 on 5 ties.
# Group B: 3 members, 3 exchanges: an agency gives q1 and q2 money, q1 gives q3 money:
# self-reliance 1/3 on 3 received, E-I (2-1)/3 = +1/3 on 3 ties (a1-q1, a1-q2, q1-q3).
A_FLOWS = (
    [("p1", "p2")] * 3 + [("p2", "p3")] * 3 + [("p3", "p4")] * 2 + [("p4", "p1")] * 2 + [("p1", "p3")] * 2
)
B_FLOWS = [("a1", "q1"), ("a1", "q2"), ("q1", "q3")]
SCOPE = ScopeData(
    people=("p1", "p2", "p3", "p4", "q1", "q2", "q3"),
    actors=("a1",),
    authority_actors=frozenset({"a1"}),  # an agency: its money is aid
    flows=tuple(Flow(g, r, "money") for g, r in A_FLOWS + B_FLOWS),
    memberships={"gA": frozenset({"p1", "p2", "p3", "p4"}), "gB": frozenset({"q1", "q2", "q3"})},
)


def test_values_on_too_few_records_are_left_out_of_rankings_and_medians():
    loose = analysis.compute_scores(SCOPE)
    assert loose.groups["gB"].self_reliance == pytest.approx(1 / 3)
    assert loose.groups["gB"].bases["self_reliance"] == 3
    assert loose.area.groups_by_self_reliance == ("gB", "gA")
    assert loose.area.group_medians["self_reliance"] == pytest.approx((1 + 1 / 3) / 2)
    strict = analysis.compute_scores(SCOPE, minimums=evidence.MINIMUMS)
    assert strict.groups["gB"].self_reliance == pytest.approx(1 / 3)  # the value itself is kept
    assert strict.area.groups_by_self_reliance == ("gA",)  # 12 received >= 10; 3 < 10
    assert strict.area.groups_by_ei_index == ("gA",)  # 5 ties >= 5; 3 < 5
    assert strict.area.group_medians["self_reliance"] == 1.0
    assert strict.area.group_medians["ei_index"] == -1.0
    # density: A 5 of 6 pairs on 4 members, B 1 of 3 pairs on 3 members: both count (>= 3)
    assert strict.area.group_medians["density"] == pytest.approx((5 / 6 + 1 / 3) / 2)


# ----------------------------------------------------------------------- sentences


def _score(**values):
    """A stored group row as sentences see it: every value on plenty of records."""
    defaults = dict(
        ties=40,
        size=12,
        exchanges=60,
        linking_actors=1,
        norms_active=2,
        ei_index=None,
        self_reliance=None,
        aid_dependence=None,
        learning_share=None,
        participation=None,
        balanced_share=None,
        norm_rating=None,
    )
    defaults.update(values)
    defaults.setdefault("bases", dict.fromkeys(evidence.EVIDENCE, 100))
    return SimpleNamespace(**defaults)


#: Sentences that cannot both be true of one group.
CONTRADICTIONS = (
    ("stays inside it", "reach outside it"),
    ("stays inside it", "shared both inside the group and"),
    ("reach outside it", "shared both inside the group and"),
    ("give about as much as they receive (", "some mostly give, others mostly receive"),
    ("rely on each other for almost everything", "aid from outside institutions"),
    ("rely mostly on each other", "aid from outside institutions"),
    ("no member exchanges with people or institutions outside", "partly from outside institutions"),
    ("no member exchanges with people or institutions outside", "aid from outside institutions"),
    ("Half or more of what passes", "Little knowledge"),
)


def test_no_two_sentences_of_a_group_page_contradict_each_other():
    grid = itertools.product(
        (-1.0, -0.5, -0.2, 0.0, 0.2, 0.4, 1.0),  # E-I
        ((1.0, 0.0), (0.9, 0.05), (0.6, 0.35), (0.3, 0.6), (0.7, 0.1)),  # self-reliance, aid
        (0.2, 0.5, 0.9),  # balanced share
        (0.1, 0.3, 0.6),  # learning share
        (0, 1, 6),  # members with a tie outside
    )
    checked = 0
    with translation.override("en"):
        for ei, (self_reliance, aid), balanced, learning, outward in grid:
            score = _score(
                ei_index=ei,
                self_reliance=self_reliance,
                aid_dependence=aid,
                balanced_share=balanced,
                learning_share=learning,
                linking_actors=1 if outward else 0,
            )
            if outward == 0 and self_reliance < 1:
                continue  # nobody in touch outside cannot receive from outside
            lines = sentences.group_summary(score, outward).read_aloud
            for a, b in CONTRADICTIONS:
                assert not (any(a in x for x in lines) and any(b in x for x in lines)), lines
            checked += 1
    assert checked > 500


def test_sentences_come_only_from_values_with_enough_evidence():
    thin = dict.fromkeys(evidence.EVIDENCE, 0)
    score = _score(
        ei_index=-0.6,
        self_reliance=0.3,
        aid_dependence=0.6,
        balanced_share=0.2,
        learning_share=0.6,
        participation=0.9,
        norm_rating=4.5,
        bases=thin,
    )
    assert sentences.group_summary(score, 2).read_aloud == []
    for key in ("ei_index", "learning_share", "participation", "balanced_share", "norm_rating"):
        one = {**thin, key: evidence.minimum(key)}
        lines = sentences.group_summary(_score(**{**vars(score), "bases": one}), 2).read_aloud
        assert len(lines) == 1, (key, lines)


def test_a_named_member_is_said_to_hold_people_together_only_as_a_cut_vertex():
    with translation.override("en"):
        summary = sentences.group_summary(_score(), 2, [("Slamet Riyadi", 53), ("Budi", 0)])
        assert summary.named == [
            "If Slamet Riyadi stepped back, 53 people would lose touch with the rest of the network."
        ]
        assert not any("Slamet" in line or "Budi" in line for line in summary.read_aloud)
        # a thin group record: not even the structural sentence
        assert sentences.group_summary(_score(exchanges=9), 2, [("Slamet Riyadi", 53)]).named == []


# ------------------------------------------------------------- through the pages


@pytest.fixture
def small(world):
    """A 3-member group (G-SMALL) with 3 exchanges, and G1 grown to 6 members with 12."""
    small = f.GroupFactory(ref="G-SMALL", name="Kelompok Kecil", area=world.village)
    trio = [
        f.PersonFactory(ref=f"P-S{i}", full_name=f"Anggota Kecil {i}", area=world.village) for i in range(3)
    ]
    for p in trio:
        f.MembershipFactory(person=p, group=small)
    for g, r in ((0, 1), (1, 2), (0, 2)):
        f.ExchangeFactory(giver_person=trio[g], receiver_person=trio[r], date=DAY)
    members = [world.member_person, world.member2_person]
    members += [
        f.PersonFactory(ref=f"P-G{i}", full_name=f"Warga Satu {i}", area=world.village) for i in range(4)
    ]
    for p in members[2:]:
        f.MembershipFactory(person=p, group=world.group)
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (0, 2), (1, 3), (2, 4), (3, 5), (4, 0), (5, 1)]
    for g, r in pairs:
        f.ExchangeFactory(
            giver_person=members[g], receiver_person=members[r], date=DAY, resource=Resource.KNOWLEDGE
        )
    return SimpleNamespace(group=small, trio=trio, members=members)


def group_page(client, ref, **extra):
    return client.get(
        reverse("groups:report_group", args=[ref]), {**PERIOD, **extra}, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_three_member_group_with_three_exchanges_gets_no_sentence(client, coordinator, small, world):
    snapshot = computed(world.district)
    middle = PersonScore.objects.get(snapshot=snapshot, person=small.trio[1])
    middle.cut_off = 1  # even a member marked as holding people together is not named
    middle.save()
    client.force_login(coordinator)
    response = group_page(client, "G-SMALL")
    assert response.context["score"].exchanges == 3
    assert response.context["sentences"] == [] and response.context["named_sentences"] == []
    page = response.content.decode()
    assert "Too few records yet for a sentence about this group" in page
    assert "too few records (3)" in page  # e.g. self-reliance on 3 exchanges received
    assert "Anggota Kecil" not in "".join(response.context["sentences"])


def test_a_group_page_marks_named_sentences_and_reads_aloud_without_names(
    client, named_coordinator, small, world
):
    snapshot = computed(world.district)
    row = PersonScore.objects.get(snapshot=snapshot, person=world.member_person)
    row.cut_off = 2  # as the definitions compute it for a cut vertex
    row.save()
    client.force_login(named_coordinator)
    response = group_page(client, "G1")
    assert response.context["score"].exchanges == 12
    named = response.context["named_sentences"]
    assert named == ["If Sri Handayani stepped back, 2 people would lose touch with the rest of the network."]
    aloud = response.context["sentences"]
    assert aloud  # 12 exchanges on enough ties: something to read aloud
    names = [p.full_name for p in small.members]
    assert not any(name in line for name in names for line in aloud)
    page = response.content.decode()
    assert (
        page.index("To read aloud at a meeting")
        < page.index("For the facilitator's eyes")
        < page.index("If Sri Handayani stepped back")
    )


def test_the_person_page_marks_its_sentences_for_the_facilitator(client, coordinator, small, world):
    computed(world.district)
    client.force_login(coordinator)
    url = reverse("groups:report_person", args=[world.member_person.ref])
    response = client.get(url, PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["sentences"], response.context["score"]
    page = response.content.decode()
    assert "For the facilitator's eyes: these name a person, do not read them aloud." in page


def test_group_report_shows_each_share_with_its_base(client, coordinator, small, world):
    computed(world.district)
    client.force_login(coordinator)
    response = group_page(client, "G1")
    score = response.context["score"]
    page = response.content.decode()
    # 12 exchanges among members, all knowledge: 100% of 12 exchanges
    assert score.bases["learning_share"] == 12
    assert "100% of 12 exchanges" in page
    with translation.override("id"):
        response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, HTTP_ACCEPT_LANGUAGE="id")
    assert "100% dari 12 pertukaran" in response.content.decode()


def test_the_dashboard_ranks_only_groups_with_enough_evidence(client, coordinator, small, world):
    snapshot = computed(world.district)
    assert "G-SMALL" not in snapshot.area_scores["groups_by_ei_index"]  # 3 ties < 5
    assert "G1" in snapshot.area_scores["groups_by_ei_index"]  # 12 ties
    small_row = GroupScore.objects.get(snapshot=snapshot, group=small.group)
    assert small_row.ei_index is not None  # kept, shown as too few records


# ---------------------------------------------------------------------- exports


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def check_base_columns(people: str, groups: str, snapshot):
    for header in (_header(people), _header(groups)):
        assert "bases" not in header
    header = _header(groups)
    for key in ("self_reliance", "ei_index", "density", "participation", "norm_rating", "learning_share"):
        assert header[header.index(key) + 1] == f"{key}_base"  # the base beside its value
    g1 = next(r for r in _rows(groups) if r["ref"] == "G1")
    stored = GroupScore.objects.get(snapshot=snapshot, group__ref="G1")
    assert int(g1["learning_share_base"]) == stored.bases["learning_share"] == 12
    assert float(g1["learning_share"]) == 1.0
    small = next(r for r in _rows(groups) if r["ref"] == "G-SMALL")
    assert small["self_reliance"] != "" and int(small["self_reliance_base"]) == 3  # value kept
    assert int(g1["quality.logged"]) == 12 and int(g1["quality.active_members"]) == 6
    header = _header(people)
    assert header[header.index("bonding_ties") + 1] == "bonding_ties_base"


def test_export_scores_writes_the_bases_beside_the_values(small, world, tmp_path):
    call_command(
        "export_scores",
        str(tmp_path),
        "--area",
        "D",
        "--since",
        START.isoformat(),
        "--until",
        END.isoformat(),
        stdout=io.StringIO(),
    )
    snapshot = reading.latest_snapshot(world.district, START, END)
    check_base_columns((tmp_path / "people.csv").read_text(), (tmp_path / "groups.csv").read_text(), snapshot)


def test_the_browser_download_writes_the_same_base_columns(client, staff, small, world):
    snapshot = computed(world.district)
    client.force_login(staff)
    response = client.get(reverse("groups:scores_download", args=["D"]), PERIOD)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    check_base_columns(archive.read("people.csv").decode(), archive.read("groups.csv").decode(), snapshot)


# ------------------------------------------------------------------ data quality


@pytest.fixture
def logged(world, facilitator, member, member2):
    """G1's members: Sri (login), Siti (login), Tono (no login), Wati (no exchange).

    Two on the meeting sheet (Sri->Siti, Siti->Tono), confirmed as witnessed by the facilitator;
    Sri logs Sri->Tono (pending) and Sri->Siti (Siti confirms it); Siti logs Siti->Sri (Sri
    disputes it); one imported Tono->Sri (no logger, confirmed)."""
    sri, siti = world.member_person, world.member2_person
    tono = f.PersonFactory(ref="P-TONO", full_name="Tono", area=world.village)
    wati = f.PersonFactory(ref="P-WATI", full_name="Wati", area=world.village)
    for p in (tono, wati):
        f.MembershipFactory(person=p, group=world.group)
    rows = [
        dict(giver=sri, receiver=siti, resource=Resource.LABOUR),
        dict(giver=siti, receiver=tono, resource=Resource.CARE),
    ]
    registry_services.record_sheet(group=world.group, date=DAY, rows=rows, logged_by=facilitator)
    record = dict(resource=Resource.MONEY, date=DAY)
    exchange_services.record_exchange(giver=sri, receiver=tono, logged_by=member, **record)
    confirmed = exchange_services.record_exchange(giver=sri, receiver=siti, logged_by=member, **record)
    exchange_services.confirm_exchange(exchange=confirmed, by=member2)
    disputed = exchange_services.record_exchange(giver=siti, receiver=sri, logged_by=member2, **record)
    exchange_services.dispute_exchange(exchange=disputed, by=member)
    f.ExchangeFactory(giver_person=tono, receiver_person=sri, date=DAY, logged_by=None)
    return world


def test_quality_figures_of_a_hand_made_group(client, coordinator, logged):
    snapshot = computed(logged.district)
    quality = GroupScore.objects.get(snapshot=snapshot, group=logged.group).quality
    # 6 logged: 2 sheet + 1 confirmed by Siti + 1 imported = 4 confirmed, 1 pending, 1 disputed;
    # entered: 2 on the sheet, 3 by Sri or Siti themselves, 1 otherwise; Wati never exchanged
    assert quality == {
        "logged": 6,
        "confirmed": 4,
        "pending": 1,
        "disputed": 1,
        "sheet": 2,
        "self": 3,
        "other": 1,
        "members": 4,
        "active_members": 3,
    }
    client.force_login(coordinator)
    response = group_page(client, "G1")
    rows = {row["label"]: row for row in response.context["quality"]}
    assert rows["Entered on a meeting sheet"]["count"] == 2
    assert rows["Entered on a meeting sheet"]["share"] == pytest.approx(2 / 6)
    assert rows["Members party to at least one exchange"]["share"] == pytest.approx(3 / 4)
    assert "What these scores rest on" in response.content.decode()


def test_confirmed_only_changes_the_numbers_and_says_so(client, coordinator, logged):
    computed(logged.district)
    computed(logged.district, confirmed_only=True)
    client.force_login(coordinator)
    url = reverse("groups:report_dashboard", args=["D"])
    everything = client.get(url, PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    confirmed = client.get(url, {**PERIOD, "confirmed_only": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert everything.context["snapshot"].confirmed_only is False
    assert confirmed.context["snapshot"].confirmed_only is True
    # 6 logged, 1 disputed (never counted), 1 pending (counted unless confirmed only)
    assert everything.context["scores"]["exchanges"] == 5
    assert confirmed.context["scores"]["exchanges"] == 4
    assert "Confirmed exchanges only." in confirmed.content.decode()
    assert "Confirmed and pending exchanges" in everything.content.decode()
    group = client.get(reverse("groups:report_group", args=["G1"]), {**PERIOD, "confirmed_only": "on"})
    assert group.context["score"].snapshot.confirmed_only is True
    assert group.context["score"].quality["pending"] == 0 and group.context["score"].quality["logged"] == 4
    assert 'name="confirmed_only"' in confirmed.content.decode()


def test_the_confirmed_only_download_leaves_pending_exchanges_out(client, staff, logged):
    computed(logged.district, confirmed_only=True)
    client.force_login(staff)
    response = client.get(reverse("groups:scores_download", args=["D"]), {**PERIOD, "confirmed_only": "on"})
    area = _rows(zipfile.ZipFile(io.BytesIO(response.content)).read("area.csv").decode())[0]
    assert int(area["exchanges"]) == 4
    graph = client.get(reverse("groups:network_download", args=["D"]), {**PERIOD, "confirmed_only": "on"})
    assert graph.content.count(b"<edge ") < client.get(
        reverse("groups:network_download", args=["D"]), PERIOD
    ).content.count(b"<edge ")


# ------------------------------------------------------------ the methodology page


def test_the_methodology_lists_the_minimums_from_the_code(client, member):
    client.force_login(member)
    page = client.get(reverse("groups:methodology"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "10 exchanges",
        "5 ties",
        "3 members",
        "5 people with exchanges",
        "3 activities with attendance",
        "2 reviewed norms",
        "too few records (9)",
    ):
        assert text in page
    assert 'id="evidence"' in page and 'id="data-quality"' in page and 'id="sentences"' in page
    page = client.get(reverse("groups:methodology"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "10 pertukaran" in page and "catatan terlalu sedikit (9)" in page


def test_the_dashboard_shows_tie_shares_with_their_base_and_keeps_the_broker_apart(
    client, named_coordinator, small, world
):
    snapshot = computed(world.district)
    top = snapshot.area_scores["brokers"][0]
    row = PersonScore.objects.get(snapshot=snapshot, person__ref=top)
    row.cut_off = 3
    row.save()
    client.force_login(named_coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    # 3 ties in the small group + 12 among G1's members, every one between people sharing a group
    assert snapshot.area_scores["ties"] == 15
    assert "100% of 15 ties" in page
    name = row.person.full_name
    assert len(response.context["named_sentences"]) == 1
    assert "if they stepped back, 3 people would lose touch" in response.context["named_sentences"][0]
    assert name in response.context["named_sentences"][0]
    assert not any(name in line for line in response.context["sentences"])
    assert page.index("For the facilitator's eyes") < page.index("3 people would lose touch")


def test_each_quarter_keeps_its_bases_and_hides_thin_quarters_from_the_chart(small, world):
    from groups.scores.pages.group import _trusted_series

    snapshot = computed(world.district)
    quarters = [q["start"] for q in snapshot.trend["quarters"]]
    june = next(
        i for i, q in enumerate(snapshot.trend["quarters"]) if q["start"] <= DAY.isoformat() <= q["end"]
    )
    g1 = GroupScore.objects.get(snapshot=snapshot, group=world.group).trend
    assert len(g1["bases"]) == len(quarters)
    assert g1["bases"][june]["learning_share"] == 12 and g1["learning_share"][june] == 1.0
    assert _trusted_series(g1, "learning_share")[june] == 1.0  # 12 exchanges: drawn
    tiny = GroupScore.objects.get(snapshot=snapshot, group=small.group).trend
    assert tiny["bases"][june]["learning_share"] == 3 and tiny["learning_share"][june] == 0.0
    assert _trusted_series(tiny, "learning_share")[june] is None  # 3 exchanges: no dot


def test_the_dashboard_names_a_cut_vertex_who_is_not_the_top_broker(client, named_coordinator, small, world):
    snapshot = computed(world.district)
    top = snapshot.area_scores["brokers"][0]
    other = (
        PersonScore.objects.filter(snapshot=snapshot).exclude(person__ref=top).order_by("person__ref").first()
    )
    other.cut_off = 2
    other.save()
    client.force_login(named_coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    named = response.context["named_sentences"]
    assert "lose touch" not in named[0]  # the top broker is not a cut vertex here
    assert named[1] == (
        f"If {other.person.full_name} stepped back, 2 people would lose touch with the rest of the network."
    )


def test_before_and_after_compares_no_share_resting_on_too_few_records():
    from groups.scores.pages.change import change_sentences

    def side(learning_base, participation_base):
        return SimpleNamespace(
            exchanges=learning_base,
            linking_actors=0,
            linking_actor_ids=(),
            learning_share=0.5,
            participation=0.8,
            bases={"learning_share": learning_base, "participation": participation_base},
        )

    activity = SimpleNamespace(actor_id=None)
    with translation.override("en"):
        thin = change_sentences(activity, side(9, 3), side(40, 3), [])
        assert "There are too few exchanges on one side to compare how much knowledge was shared." in thin
        assert any("came to activities" in line for line in thin)  # 3 activities each side: enough
        enough = change_sentences(activity, side(10, 2), side(40, 3), [])
        assert any(
            line.startswith("Knowledge and information made up about the same share") for line in enough
        )
        assert not any("came to activities" in line for line in enough)  # 2 activities before: too few


# ------------------------------------------- snapshots from before these definitions


def test_a_value_whose_base_was_not_stored_is_marked_as_being_recounted():
    # a snapshot computed before bases were kept has none: "too few records (0)" would be false
    with translation.override("en"):
        assert evidence.shown("learning_share", "38%", {}) == "38% (being recounted)"
    with translation.override("id"):
        assert evidence.shown("learning_share", "38%", {}) == "38% (sedang dihitung ulang)"
    assert not evidence.enough("learning_share", {})  # no sentence, colour or rank meanwhile


def test_a_snapshot_from_older_definitions_is_shown_and_computed_again(client, coordinator, small, world):
    old = computed(world.district)
    old.area_scores = {k: v for k, v in old.area_scores.items() if k != "definitions"}
    old.save()
    GroupScore.objects.filter(snapshot=old).update(bases={})
    client.force_login(coordinator)
    response = group_page(client, "G1")
    assert response.status_code == 200
    assert response.context["score"].snapshot == old  # the old numbers stay until the new ones
    fresh = snapshots.ScoreSnapshot.objects.exclude(pk=old.pk).get()
    assert (fresh.status, fresh.area_id) == ("pending", old.area_id)
    assert (fresh.period_start, fresh.period_end) == (START, END)
    assert "(being recounted)" in response.content.decode()
    # the fresh computation stores the version: reading it asks for nothing more
    snapshots.compute_snapshot(fresh)
    assert not reading.outdated(fresh)
    group_page(client, "G1")
    assert snapshots.ScoreSnapshot.objects.count() == 1  # the old one pruned, no new request
