"""Villages side by side: a district's areas within, one row each, with figures worked out by
hand on a small world of two villages; sorting by links and by htmx; the same table as CSV."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import ActorKind, MeetingFrequency, Resource
from groups.scores import reading, snapshots
from groups.scores.pages.villages import BY_KEY, Cell

from . import factories as f
from .conftest import Several, build_world, share

TODAY = timezone.localdate()
#: The default window's last two quarters end today and three months before: these days fall
#: well inside each whatever day the tests run.
LAST_QUARTER = TODAY - dt.timedelta(days=10)
QUARTER_BEFORE = TODAY - dt.timedelta(days=130)
HTMX = {"HTTP_HX_REQUEST": "true"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def compute(area):
    return snapshots.compute_snapshot(reading.request_snapshot(area))


@pytest.fixture
def two_villages(world, _shared):
    return _shared.get("two_villages", lambda: build_two_villages(world))


def build_shared_villages() -> Several:
    world = build_world()
    return Several(world=world, two_villages=build_two_villages(world))


share("two_villages", build_shared_villages, __name__)  # built and scored once for this module


def build_two_villages(world) -> dict:
    """District D. V1 (Desa Sumberejo): G1 with Sri, Siti, Ari, Dewi (weekly meetings; G1 and G2
    formed 400 days ago).
    V2 (Desa Candimulyo): G2 with Ani, Eko, Fajar; G3 formed 400 days ago with nobody and no activity
    since (quiet).

    Exchanges: in G1 Sri<->Siti and Ari->Sri, 4 in the quarter before the last and 6 in the
    last (10); in G2 Ani<->Eko money 6 in the last quarter, and a government agency gives Ani
    money 4 times in the quarter before (10). Dewi and Fajar exchange with nobody.
    Attendance: G1 three meetings of 2, 3 and 4 of its 4 members (participation 0.75); G2 three
    of 1, 2 and 3 of its 3 (participation 2/3). Norms: G1 rated 4 and 2, G2 rated 3 once."""
    v1, v2 = world.village, world.village2
    g1, g2 = world.group, world.group2
    g1.meeting_frequency = g2.meeting_frequency = MeetingFrequency.WEEKLY
    g1.formed_on = g2.formed_on = TODAY - dt.timedelta(days=400)
    g1.save()
    g2.save()
    g3 = f.GroupFactory(ref="G3", name="Kelompok Tani", area=v2, formed_on=TODAY - dt.timedelta(days=400))
    sri, siti = world.member_person, world.member2_person
    ari = f.PersonFactory(ref="P-ARI", full_name="Ari Wibowo", area=v1)
    dewi = f.PersonFactory(ref="P-DEWI", full_name="Dewi Sartika", area=v1)
    ani = f.PersonFactory(ref="P-ANI", full_name="Ani Lestari", area=v2)
    eko = f.PersonFactory(ref="P-EKO", full_name="Eko Prasetyo", area=v2)
    fajar = f.PersonFactory(ref="P-FAJAR", full_name="Fajar Nugroho", area=v2)
    for person, group in [(ari, g1), (dewi, g1), (ani, g2), (eko, g2), (fajar, g2)]:
        f.MembershipFactory(person=person, group=group)
    pairs = [(sri, siti, QUARTER_BEFORE)] * 2 + [(siti, sri, QUARTER_BEFORE)] * 2
    pairs += [(sri, siti, LAST_QUARTER)] * 2 + [(siti, sri, LAST_QUARTER)] + [(ari, sri, LAST_QUARTER)] * 3
    pairs += [(ani, eko, LAST_QUARTER)] * 3 + [(eko, ani, LAST_QUARTER)] * 3
    for giver, receiver, day in pairs:
        f.ExchangeFactory(giver_person=giver, receiver_person=receiver, date=day, resource=Resource.MONEY)
    agency = f.ActorFactory(
        ref="A-DINAS", name="Dinas Sosial", kind=ActorKind.GOVERNMENT_AGENCY, area=world.district
    )
    for _ in range(4):
        f.ExchangeFactory(
            giver_person=None,
            giver_actor=agency,
            receiver_person=ani,
            date=QUARTER_BEFORE,
            resource=Resource.MONEY,
        )
    for group, attendance in [
        (g1, [[sri, siti], [sri, siti, ari], [sri, siti, ari, dewi]]),
        (g2, [[ani], [ani, eko], [ani, eko, fajar]]),
    ]:
        for days, people in zip((20, 15, 5), attendance, strict=True):
            f.ActivityFactory(group=group, date=TODAY - dt.timedelta(days=days)).attendees.set(people)
    for group, ratings in [(g1, (4, 2)), (g2, (3,))]:
        for rating in ratings:
            norm = f.NormFactory(group=group)
            norm.reviews.create(reviewed_on=LAST_QUARTER, rating=rating)
    compute(world.district)
    return {
        "g1": g1,
        "g2": g2,
        "g3": g3,
        "agency": agency,
        "district": world.district,
        "people": [sri, siti, ari, dewi, ani, eko, fajar],
    }


def villages_url(ref="D", **query):
    url = reverse("groups:report_villages", args=[ref])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def table_rows(html: str) -> list[tuple[str, list[str], list[str]]]:
    """(area name, shown values, shown changes) of each row of the villages table."""
    table = html[html.index('<table class="villages-table card-rows">') : html.index("</table>")]
    rows = re.findall(r'<tr>\s*<th scope="row"><a href="[^"]+">([^<]+)</a></th>(.*?)</tr>', table, re.S)
    return [
        (
            name,
            re.findall(r'<span class="value">([^<]+)</span>', cells),
            re.findall(r'<span class="change muted"[^>]*>([^<]+)</span>', cells),
        )
        for name, cells in rows
    ]


def test_each_village_row_holds_its_figures_worked_out_by_hand(client, coordinator, two_villages):
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), **EN)
    rows = {name: (values, changes) for name, values, changes in table_rows(response.content.decode())}
    # V1: 1 group; 4 people; exchanges with one end among them: 4 + 6 = 10; party to an
    # exchange: Sri, Siti, Ari (3 of 4); G1's self-reliance 10/10 (no aid), participation
    # (2/4 + 3/4 + 4/4) / 3 = 75%, norm rating (4 + 2) / 2 = 3; nobody quiet;
    # Ari exchanges with Sri only, so Sri's absence would cut Ari off (1 such person).
    assert rows["Desa Sumberejo"][0] == [
        "1",
        "4",
        "10",
        "3 of 4 people",
        "100% (median of 1 group)",
        "75% (median of 1 group)",
        "3 (median of 1 group)",
        "0",
        "1",
    ]
    # V2: 2 groups (G3 quiet: nothing in 400 days); 3 people; exchanges 6 + 4 from the
    # agency = 10; party: Ani, Eko (2 of 3); G2's self-reliance 6 / 10 = 60%, participation
    # (1/3 + 2/3 + 3/3) / 3 = 67%; norm rating 3 from one reviewed norm: below the 2 norms a
    # rating needs, so no group counts; one quiet group; the agency is in touch through Ani
    # only, so her absence would cut it off (the dashboard's rule: anyone who would lose touch).
    assert rows["Desa Candimulyo"][0] == [
        "2",
        "3",
        "10",
        "2 of 3 people",
        "60% (median of 1 group)",
        "67% (median of 1 group)",
        "too few records (0)",
        "1",
        "1",
    ]
    # below each: the quarter before the last and the last: V1 exchanges 4 -> 6; V2 4 -> 6
    # (the agency gave 4 before, the pair 6 after); groups and people the same in both
    # quarters; V1's people party to an exchange: Sri and Siti, then Sri, Siti and Ari
    assert rows["Desa Sumberejo"][1][:4] == ["1 → 1", "4 → 4", "4 → 6", "2 → 3"]
    assert rows["Desa Candimulyo"][1][:3] == ["2 → 2", "3 → 3", "4 → 6"]
    # the two quarters are said to be such, not a change of the period's figure above them
    page = " ".join(response.content.decode().split())
    assert "Below each figure, which counts the whole period: the same figure in the last two" in page
    assert 'title="the last two quarters">4 → 6</span>' in page


def test_sorting_by_links_and_by_htmx(client, coordinator, two_villages):
    client.force_login(coordinator)
    names = [r[0] for r in table_rows(client.get(villages_url(sort="people"), **EN).content.decode())]
    assert names == ["Desa Candimulyo", "Desa Sumberejo"]  # 3 people, then 4
    names = [r[0] for r in table_rows(client.get(villages_url(sort="-people"), **EN).content.decode())]
    assert names == ["Desa Sumberejo", "Desa Candimulyo"]
    names = [r[0] for r in table_rows(client.get(villages_url(sort="-quiet"), **EN).content.decode())]
    assert names == ["Desa Candimulyo", "Desa Sumberejo"]
    # the column heading links to the other direction
    body = client.get(villages_url(sort="people"), **EN).content.decode()
    assert 'aria-sort="ascending"' in body and "sort=-people" in body
    fragment = client.get(villages_url(sort="-people"), **HTMX, **EN)
    text = fragment.content.decode()
    assert "<html" not in text and text.lstrip().startswith('<section id="villages"')
    assert [r[0] for r in table_rows(text)] == ["Desa Sumberejo", "Desa Candimulyo"]
    # a bad sort falls back to names, never an error
    bad = client.get(villages_url(sort="'; DROP"), **EN)
    assert bad.status_code == 200
    assert [r[0] for r in table_rows(bad.content.decode())] == ["Desa Candimulyo", "Desa Sumberejo"]


def test_the_dashboard_sort_links_swap_only_the_table(client, coordinator, two_villages):
    client.force_login(coordinator)
    body = client.get(reverse("groups:report_dashboard", args=["D"]), **EN).content.decode()
    assert f'hx-get="{villages_url()}?sort=people"' in body
    assert 'hx-target="#villages"' in body


def test_csv_has_the_same_table(client, coordinator, two_villages):
    client.force_login(coordinator)
    response = client.get(reverse("groups:villages_download", args=["D"]) + "?sort=-exchanges")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "area_ref",
        "area",
        "groups",
        "groups_change",
        "people",
        "people_change",
        "exchanges",
        "exchanges_change",
        "active",
        "active_base",
        "active_change",
        "self_reliance",
        "self_reliance_base",
        "self_reliance_change",
        "participation",
        "participation_base",
        "participation_change",
        "norm_rating",
        "norm_rating_base",
        "norm_rating_change",
        "quiet",
        "quiet_change",
        "cut_off",
        "cut_off_change",
    ]
    by_ref = {row["area_ref"]: row for row in rows}
    assert by_ref["V1"]["exchanges"] == "10" and by_ref["V1"]["exchanges_change"] == "2"
    assert by_ref["V1"]["participation"] == "0.75" and by_ref["V1"]["participation_base"] == "1"
    assert by_ref["V2"]["participation"] == "0.6667"
    assert by_ref["V2"]["norm_rating"] == "" and by_ref["V2"]["norm_rating_base"] == "0"
    assert by_ref["V2"]["quiet"] == "1" and by_ref["V1"]["cut_off"] == by_ref["V2"]["cut_off"] == "1"
    assert by_ref["V2"]["groups_change"] == "0"  # groups are counted per quarter


def test_a_village_name_cannot_run_as_a_formula(client, coordinator, two_villages, world):
    world.village.name = "=HYPERLINK(1)"
    world.village.save()
    client.force_login(coordinator)
    content = client.get(reverse("groups:villages_download", args=["D"])).content.decode()
    assert "'=HYPERLINK(1)" in content


def test_queries_do_not_grow_with_villages(client, coordinator, two_villages, django_assert_max_num_queries):
    client.force_login(coordinator)
    with django_assert_max_num_queries(16):
        client.get(villages_url(sort="people"))


def test_groups_quiet_groups_and_cut_off_change_from_quarter_to_quarter(client, coordinator, two_villages):
    """Counted in each quarter, as the whole window counts them.

    Quiet groups: G1 and G2 met only in the last quarter (20, 15 and 5 days ago), so at the end
    of the quarter before, with weekly meetings and nothing recorded, they were quiet; G3 is
    quiet in both. V1 1 -> 0, V2 2 -> 1.
    Cut off: in the quarter before Sri and Siti exchanged only with each other, and the agency
    only with Ani: two pairs, nobody holds anyone. In the last quarter Ari exchanges with Sri
    only: Sri's absence would cut him off (V1 0 -> 1); Ani and Eko are a pair (V2 0 -> 0).
    Groups: the same in both quarters."""
    client.force_login(coordinator)
    body = client.get(villages_url(), **EN).content.decode()
    rows = {name: changes for name, _values, changes in table_rows(body)}
    # columns: groups, people, exchanges, active, three medians, quiet, cut_off
    assert [rows["Desa Sumberejo"][i] for i in (0, 7, 8)] == ["1 → 1", "1 → 0", "0 → 1"]
    assert [rows["Desa Candimulyo"][i] for i in (0, 7, 8)] == ["2 → 2", "2 → 1", "0 → 0"]
    snapshot = two_villages["district"].score_snapshots.get()
    quarters = snapshot.trend["quarters"]
    assert snapshot.trend["parts"]["V1"]["quiet"][-2:] == [1, 0] and not quarters[-1]["partial"]
    # the whole district's own page counts the same per quarter: 3 quiet groups -> 1
    assert snapshot.trend["area"]["quiet"][-2:] == [3, 1]
    assert snapshot.trend["area"]["cut_off"][-2:] == [0, 1]
    assert snapshot.trend["area"]["groups"][-2:] == [3, 3]


def test_large_counts_in_the_table_are_grouped_in_the_readers_language():
    """A regency's row counts thousands: 19.994 dari 20.000, not 19994 dari 20000."""
    active = Cell(BY_KEY["active"], 19994, base=20000)
    median = Cell(BY_KEY["self_reliance"], 0.98, base=1444)
    with translation.override("id"):
        assert active.text == "19.994 dari 20.000 warga"
        assert median.text == "98% (median dari 1.444 kelompok)"
    with translation.override("en"):
        assert active.text == "19,994 of 20,000 people"
        assert median.text == "98% (median of 1,444 groups)"
