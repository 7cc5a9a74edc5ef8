"""Paging through the long lists (groups, people, actors): Next and Previous walk every row
once, in a stable order, whatever the ties; a bad or stale page address shows the first page
with a word, never an error; a cursor outside the viewer's list tells nothing; the count
follows every write; the cost of a page does not grow with the rows or the depth.

World (conftest): the coordinator reads district D (V1, V2) without names; the facilitator
looks after G1 in V1; district E (group H, village W) is outside both.
"""

import html
import re

import pytest
from django.db import reset_queries
from django.urls import reverse

from groups.models import Group
from groups.privacy import pseudonym
from groups.views import paging

from . import factories as f

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
PEOPLE, GROUPS, ACTORS = (reverse(f"groups:{n}") for n in ("person_list", "group_list", "actor_list"))


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)


def link(body: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', body)
    if not found:
        return None
    address = html.unescape(found.group(1))
    # one "?": a doubled one ("??after=") made the browser send "?after", so no cursor arrived
    assert address.startswith("?") and not address.startswith("??"), address
    return address


def refs(response) -> list[str]:
    return [row.ref for row in response.context["page"].object_list]


def walk(client, address: str, first: dict | None = None) -> tuple[list[list[str]], str]:
    """Every page from the first by its Next links: (the refs of each page, the last address)."""
    response = client.get(address, first or {}, **EN)
    pages, here = [refs(response)], address
    while (following := link(response.content.decode(), "next")) is not None:
        here = address + following
        response = client.get(here, **EN)
        assert response.status_code == 200
        pages.append(refs(response))
    return pages, here


def test_next_walks_every_person_once_in_name_order_with_ties(client, world, facilitator):
    # the facilitator sees names: sorted by name, a tie broken the same way every time
    for _i in range(4):
        f.MembershipFactory(group=world.group, person=f.PersonFactory(area=world.village, full_name="Budi"))
    client.force_login(facilitator)
    pages, _last = walk(client, PEOPLE)
    listed = [ref for page in pages for ref in page]
    in_order = world.group.memberships.order_by("person__full_name", "person__pk")
    expected = list(in_order.values_list("person__ref", flat=True))
    assert listed == expected and len(set(listed)) == len(listed) == 6
    assert [len(page) for page in pages] == [3, 3]


def test_previous_walks_back_the_same_pages(client, world, coordinator):
    for i in range(7):
        f.GroupFactory(area=world.village2, name=f"Kelompok {i % 2}")  # ties on the name
    client.force_login(coordinator)
    pages, last = walk(client, GROUPS)
    assert len(pages) == 3 and sorted(r for p in pages for r in p) == sorted(
        Group.objects.filter(area__parent=world.district).values_list("ref", flat=True)
    )
    response = client.get(last, **EN)
    back = []
    while (previous := link(response.content.decode(), "prev")) is not None:
        response = client.get(GROUPS + previous, **EN)
        back.append(refs(response))
    assert back == pages[-2::-1]
    assert "Page 1 of 3" in response.content.decode()


def test_the_pager_says_where_the_reader_is(client, world, coordinator):
    for _i in range(5):
        f.GroupFactory(area=world.village2)
    client.force_login(coordinator)
    first = client.get(GROUPS, **EN).content.decode()
    assert "7 groups" in first and "Page 1 of 3" in first and link(first, "prev") is None
    second = client.get(GROUPS + link(first, "next"), **EN).content.decode()
    assert "Page 2 of 3" in second and link(second, "prev") and link(second, "next")


def test_a_coordinator_without_names_pages_by_code_and_sees_pseudonyms(client, world, coordinator):
    for _i in range(3):
        f.PersonFactory(area=world.village2, full_name="Zainab Rahasia")
    client.force_login(coordinator)
    pages, _last = walk(client, PEOPLE)
    listed = [ref for page in pages for ref in page]
    assert listed == sorted(listed) and len(listed) == 5
    body = client.get(PEOPLE + "?" + f"after={listed[2]}&page=2", **EN).content.decode()
    assert "Zainab" not in body and pseudonym(listed[3]) in body


def test_the_filters_travel_with_the_pages(client, world, coordinator):
    for i in range(4):
        f.GroupFactory(area=world.village2, name=f"Tani {i}")
        f.GroupFactory(area=world.village2, name=f"Pemuda {i}")
    client.force_login(coordinator)
    pages, _last = walk(client, GROUPS, {"q": "tani"})
    assert [len(p) for p in pages] == [3, 1]
    assert all(Group.objects.get(ref=r).name.startswith("Tani") for p in pages for r in p)


@pytest.mark.parametrize(
    "query",
    [{"page": "x"}, {"page": "0"}, {"page": "99999999999"}, {"after": "../../etc"}, {"before": "x" * 80}],
)
def test_a_bad_page_address_shows_the_first_page_with_a_word(client, world, coordinator, query):
    client.force_login(coordinator)
    response = client.get(PEOPLE, query, **EN)
    assert response.status_code == 200
    assert refs(response) == ["P-MEMBER", "P-MEMBER2"]
    assert "That page could not be found; here is the first page." in response.content.decode()


def test_a_page_past_the_end_shows_the_last_page(client, world, coordinator):
    for _i in range(4):
        f.GroupFactory(area=world.village2)
    client.force_login(coordinator)
    response = client.get(GROUPS, {"page": "40"}, **EN)
    assert response.status_code == 200
    assert len(refs(response)) == 3 and "Page 2 of 2" in response.content.decode()


def test_a_cursor_outside_the_viewers_list_starts_again_and_tells_nothing(client, world, coordinator):
    # P-OTHER lives in district E: its place among the coordinator's people must not show
    client.force_login(coordinator)
    for cursor in ("P-OTHER", "NO-SUCH-PERSON"):
        response = client.get(PEOPLE, {"after": cursor, "page": "2"}, **EN)
        assert response.status_code == 200
        assert refs(response) == ["P-MEMBER", "P-MEMBER2"]
        assert "That page has changed; here is the first page." in response.content.decode()


def test_a_cursor_outside_the_filter_starts_again(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(GROUPS, {"q": "karang", "after": "G1"}, **EN)
    assert refs(response) == ["G2"]


def test_the_count_follows_a_new_record_at_once(client, world, coordinator):
    client.force_login(coordinator)
    assert "2 groups" in client.get(GROUPS, **EN).content.decode()
    f.GroupFactory(area=world.village2)
    assert "3 groups" in client.get(GROUPS, **EN).content.decode()


def test_a_new_member_from_another_district_counts_at_once(client, world, facilitator):
    # a membership is a district's write (page_cache); the facilitator's people follow it
    client.force_login(facilitator)
    assert "2 people" in client.get(PEOPLE, **EN).content.decode()
    f.MembershipFactory(group=world.group, person=world.other_member_person)
    assert "3 people" in client.get(PEOPLE, **EN).content.decode()


def test_two_viewers_never_share_a_count(client, world, coordinator, facilitator):
    client.force_login(coordinator)
    assert "2 people" in client.get(PEOPLE, **EN).content.decode()
    client.force_login(facilitator)
    f.PersonFactory(area=world.village2)  # the coordinator's, not the facilitator's
    assert "2 people" in client.get(PEOPLE, **EN).content.decode()
    client.force_login(coordinator)
    assert "3 people" in client.get(PEOPLE, **EN).content.decode()


def test_next_page_by_htmx_is_the_results_only(client, world, coordinator):
    for _i in range(4):
        f.ActorFactory(area=world.district)
    client.force_login(coordinator)
    following = link(client.get(ACTORS, **EN).content.decode(), "next")
    response = client.get(ACTORS + following, **EN, **HTMX)
    body = response.content.decode()
    assert 'id="results"' in body and "<form" not in body and len(refs(response)) >= 1


def test_the_member_and_norm_counts_are_the_rows_own(client, world, coordinator):
    ended = f.MembershipFactory(group=world.group, person=f.PersonFactory(area=world.village))
    ended.left_on = ended.joined_on
    ended.save()
    f.NormFactory(group=world.group)
    retired = f.NormFactory(group=world.group2)
    retired.is_active = False
    retired.save()
    client.force_login(coordinator)
    rows = {g.ref: (g.member_count, g.norm_count) for g in client.get(GROUPS).context["page"].object_list}
    assert rows == {"G1": (2, 1), "G2": (0, 0)}


def test_a_deep_page_costs_no_more_queries_than_the_first(
    client, world, coordinator, django_assert_max_num_queries
):
    for _i in range(12):
        group = f.GroupFactory(area=world.village2)
        f.MembershipFactory(group=group, person=f.PersonFactory(area=world.village2))
    client.force_login(coordinator)
    for address in (PEOPLE, GROUPS):
        reset_queries()  # each request clears the log; start the capture from an empty one
        with django_assert_max_num_queries(40) as first:
            client.get(address)
        first_page = len(first.captured_queries)  # read now: the next request clears the log
        _pages, last = walk(client, address)
        assert first_page > 5
        reset_queries()
        with django_assert_max_num_queries(first_page):
            assert client.get(last).status_code == 200
