"""The facilitator's registry in the browser: groups, people, memberships, external actors.

World (conftest): the facilitator looks after G1 (village V1, members Sri and Siti); the
coordinator reads district D (V1, V2) without the right to see names; the outsiders work
in district E (group H, village W).
"""

import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import ExternalActor, Group, Membership, Person
from groups.privacy import pseudonym

from . import factories as f
from .factories import once

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"groups:{name}", args=args)


def query_count(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries.captured_queries)


@pytest.fixture
def membership(world):
    return world.group.memberships.get(person=world.member_person)


@pytest.fixture
def actor(world):
    return f.ActorFactory(ref="A-PEMDES", name="Pemerintah Desa Sumberejo", area=world.village)


@pytest.fixture
def pages(world, membership, actor):
    """Every registry page with its methods, what the outsider and a wrong role get."""
    g, p = world.group.ref, world.member_person.ref
    return {
        "group_list": (url("group_list"), ["GET"]),
        "group_create": (url("group_create"), ["GET", "POST"]),
        "group_detail": (url("group_detail", g), ["GET"]),
        "group_edit": (url("group_edit", g), ["GET", "POST"]),
        "person_list": (url("person_list"), ["GET", "POST"]),
        "person_create": (url("person_create"), ["GET", "POST"]),
        "person_detail": (url("person_detail", p), ["GET"]),
        "person_edit": (url("person_edit", p), ["GET", "POST"]),
        "membership_add": (url("membership_add", g), ["GET", "POST"]),
        "membership_create": (url("membership_create", g), ["GET", "POST"]),
        "membership_edit": (url("membership_edit", g, membership.pk), ["GET", "POST"]),
        "membership_end": (url("membership_end", g, membership.pk), ["GET", "POST"]),
        "actor_list": (url("actor_list"), ["GET"]),
        "actor_create": (url("actor_create"), ["GET", "POST"]),
        "actor_edit": (url("actor_edit", actor.ref), ["GET", "POST"]),
    }


PAGE_NAMES = [
    "group_list",
    "group_create",
    "group_detail",
    "group_edit",
    "person_list",
    "person_create",
    "person_detail",
    "person_edit",
    "membership_add",
    "membership_create",
    "membership_edit",
    "membership_end",
    "actor_list",
    "actor_create",
    "actor_edit",
]


# --- the same rules on every page -------------------------------------------------------------


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_anonymous_is_sent_to_login(client, pages, name):
    address, _methods = pages[name]
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_other_methods_are_refused(client, facilitator, pages, name):
    address, methods = pages[name]
    client.force_login(facilitator)
    for method in ("put", "delete", "patch", "post"):
        if method.upper() in methods:
            continue
        assert getattr(client, method)(address).status_code == 405, method


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_the_facilitator_gets_each_page(client, facilitator, pages, name):
    client.force_login(facilitator)
    response = client.get(pages[name][0])
    assert response.status_code == 200
    assert b"<html" in response.content


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_htmx_gets_a_fragment(client, facilitator, pages, name):
    client.force_login(facilitator)
    response = client.get(pages[name][0], **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert response.content.strip()


@pytest.mark.parametrize(
    "name",
    [
        "group_detail",
        "group_edit",
        "person_detail",
        "person_edit",
        "membership_add",
        "membership_create",
        "membership_edit",
        "membership_end",
        "actor_edit",
    ],
)
def test_outsider_gets_404(client, other_facilitator, pages, name):
    client.force_login(other_facilitator)
    for method in pages[name][1]:
        assert getattr(client, method.lower())(pages[name][0]).status_code == 404, method


@pytest.mark.parametrize(
    "name",
    [
        "group_create",
        "group_edit",
        "person_create",
        "person_edit",
        "membership_add",
        "membership_create",
        "membership_edit",
        "membership_end",
        "actor_create",
        "actor_edit",
    ],
)
def test_coordinator_may_read_but_not_edit(client, coordinator, pages, name):
    client.force_login(coordinator)
    for method in pages[name][1]:
        assert getattr(client, method.lower())(pages[name][0]).status_code == 403, method


@pytest.mark.parametrize("name", ["group_list", "person_list", "actor_list", "person_detail"])
def test_member_has_no_registry_pages(client, member, pages, name):
    client.force_login(member)
    assert client.get(pages[name][0]).status_code == 403


def test_member_has_no_edit_rights_on_their_group(client, member, pages):
    client.force_login(member)
    for name in ("group_create", "group_edit", "membership_add", "person_edit"):
        assert client.get(pages[name][0]).status_code == 403, name


def test_nav_links_by_role(client, facilitator, coordinator, member):
    for user, shown in ((facilitator, True), (coordinator, True), (member, False)):
        client.force_login(user)
        body = client.get(url("home")).content.decode()
        assert (f'href="{url("group_list")}"' in body) is shown, user
        assert (f'href="{url("actor_list")}"' in body) is shown, user


# --- groups -----------------------------------------------------------------------------------


def test_group_list_shows_groups_in_scope_with_counts(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(url("group_list"))
    groups = list(response.context["page"].object_list)
    assert {g.ref for g in groups} == {"G1", "G2"}
    assert next(g for g in groups if g.ref == "G1").member_count == 2


def test_group_list_filters_by_kind_area_and_name(client, world, coordinator):
    world.group2.kind = "youth"
    world.group2.save()
    client.force_login(coordinator)
    refs = lambda **q: {g.ref for g in client.get(url("group_list"), q).context["page"].object_list}  # noqa: E731
    assert refs(kind="youth") == {"G2"}
    assert refs(area="V1") == {"G1"}
    assert refs(area="D") == {"G1", "G2"}
    assert refs(q="karang") == {"G2"}


def test_group_list_bad_filter_shows_error_not_500(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(url("group_list"), {"kind": "nonsense", "area": "W", "page": "x"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"kind", "area", "page"} <= set(errors)  # W is outside the coordinator's areas
    assert b"errorlist" in response.content


def test_group_list_htmx_returns_results_only(client, world, facilitator):
    client.force_login(facilitator)
    response = client.get(url("group_list"), {"q": "arisan"}, **HTMX)
    body = response.content.decode()
    assert 'id="results"' in body and "Arisan RT 03" in body
    assert "<form" not in body


def test_group_list_query_count_does_not_grow(client, world, coordinator):
    client.force_login(coordinator)
    first = query_count(client, url("group_list"))
    for _i in range(8):
        group = f.GroupFactory(area=world.village2)
        f.MembershipFactory(group=group, person=f.PersonFactory(area=world.village2))
        f.NormFactory(group=group)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("group_list"))
    assert len(response.context["page"].object_list) == 10
    assert len(queries.captured_queries) <= first


def test_group_create_registers_and_assigns_the_facilitator(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("group_create"),
        once({
            "name": "  Kelompok Tani Makmur ",
            "kind": "farmers",
            "area": world.village.pk,
            "how_formed": "facilitated",
            "formed_on": "2020-03-01",
            "meeting_frequency": "monthly",
            "description": "Petani padi",
            "latitude": "-7.38",
            "longitude": "109.96",
        }),
    )
    group = Group.objects.get(name="Kelompok Tani Makmur")
    assert response.status_code == 302
    assert response["Location"] == url("group_detail", group.ref)
    assert list(group.facilitators.all()) == [facilitator]
    assert group.area == world.village and group.kind == "farmers"
    assert group.formed_on == dt.date(2020, 3, 1)


def test_group_create_offers_only_areas_the_facilitator_may_edit(client, world, facilitator):
    client.force_login(facilitator)
    form = client.get(url("group_create")).context["form"]
    assert list(form.fields["area"].queryset) == [world.village]
    response = client.post(
        url("group_create"),
        once({"name": "X", "kind": "arisan", "area": world.other_village.pk, "how_formed": "spontaneous"}),
    )
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not Group.objects.filter(name="X").exists()


def test_group_create_area_facilitator_gets_their_subtree(client, world):
    from groups.models import Assignment, StaffRole

    user = f.UserFactory(username="pendamping-kecamatan")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=world.district)
    client.force_login(user)
    form = client.get(url("group_create")).context["form"]
    assert set(form.fields["area"].queryset) == {world.district, world.village, world.village2}


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "   "}, "name"),
        ({"kind": "bogus"}, "kind"),
        ({"latitude": "-7.1", "longitude": ""}, "longitude"),
        ({"latitude": "", "longitude": "109.9"}, "latitude"),
        ({"latitude": "-7.1234567", "longitude": "109.9"}, "latitude"),
        ({"latitude": "95", "longitude": "100"}, "latitude"),
        ({"formed_on": "2999-01-01"}, "formed_on"),
        ({"formed_on": "kemarin"}, "formed_on"),
    ],
)
def test_group_create_bad_input_shows_errors_and_saves_nothing(client, world, facilitator, data, field):
    client.force_login(facilitator)
    post = {"name": "Baru", "kind": "arisan", "area": world.village.pk, "how_formed": "spontaneous", **data}
    before = Group.objects.count()
    response = client.post(url("group_create"), once(post))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert "__all__" not in errors  # one clear message, next to the field
    assert b"errorlist" in response.content
    assert Group.objects.count() == before


def test_group_create_by_htmx_redirects_with_header_and_shows_errors_in_fragment(client, world, facilitator):
    client.force_login(facilitator)
    bad = client.post(url("group_create"), once({"name": ""}), **HTMX)
    assert bad.status_code == 200 and b"<html" not in bad.content and b"errorlist" in bad.content
    good = client.post(
        url("group_create"),
        once({
            "name": "Posyandu Melati",
            "kind": "health_volunteers",
            "area": world.village.pk,
            "how_formed": "facilitated",
        }),
        **HTMX,
    )
    group = Group.objects.get(name="Posyandu Melati")
    assert good["HX-Redirect"] == url("group_detail", group.ref)


def test_staff_creates_anywhere_without_becoming_facilitator(client, world, staff):
    client.force_login(staff)
    client.post(
        url("group_create"),
        once({
            "name": "Ronda",
            "kind": "neighbourhood",
            "area": world.other_village.pk,
            "how_formed": "spontaneous",
        }),
    )
    group = Group.objects.get(name="Ronda")
    assert group.facilitators.count() == 0


def test_group_detail_for_the_facilitator(client, world, facilitator, membership):
    norm = f.NormFactory(group=world.group, statement="Iuran Rp 50.000 tiap bulan")
    norm.reviews.create(rating=2, reviewed_on=dt.date(2026, 1, 5))
    norm.reviews.create(rating=4, reviewed_on=dt.date(2026, 4, 5))
    f.ActivityFactory(group=world.group, title="Pertemuan Juni").attendees.add(world.member_person)
    f.ExchangeFactory(
        group=world.group, giver_person=world.member_person, receiver_person=world.member2_person, note="x"
    )
    former = f.MembershipFactory(
        group=world.group,
        person=f.PersonFactory(full_name="Pindahan", area=world.village),
        left_on=dt.date(2025, 6, 1),
    )
    client.force_login(facilitator)
    response = client.get(url("group_detail", "G1"))
    body = response.content.decode()
    assert "Sri Handayani" in body and "Siti Maryati" in body
    assert "Iuran Rp 50.000 tiap bulan" in body and "4/5" in body
    assert "Pertemuan Juni" in body
    assert len(response.context["exchanges"]) == 1
    assert response.context["former_members"] == [former]
    assert url("membership_add", "G1") in body and url("exchange_sheet", "G1") in body
    assert url("membership_end", "G1", membership.pk) in body


def test_group_detail_coordinator_reads_without_actions_or_names(client, world, coordinator):
    client.force_login(coordinator)
    body = client.get(url("group_detail", "G1")).content.decode()
    assert "Arisan RT 03" in body
    assert "Sri Handayani" not in body  # this coordinator may not see names
    assert pseudonym("P-MEMBER") in body
    assert url("group_edit", "G1") not in body and url("exchange_sheet", "G1") not in body


def test_group_detail_member_sees_their_group_read_only(client, world, member):
    client.force_login(member)
    body = client.get(url("group_detail", "G1")).content.decode()
    assert "Siti Maryati" in body
    assert url("membership_add", "G1") not in body
    assert client.get(url("group_detail", "G2")).status_code == 404


def test_group_detail_exchanges_go_through_the_scope(client, world, member):
    f.ExchangeFactory(
        group=world.group, giver_person=world.member_person, receiver_person=world.member2_person
    )
    outsider = f.PersonFactory(area=world.other_village)
    f.ExchangeFactory(group=world.group, giver_person=world.member2_person, receiver_person=outsider)
    client.force_login(member)
    response = client.get(url("group_detail", "G1"))
    assert len(response.context["exchanges"]) == 1  # only the member's own


def test_group_detail_query_count_does_not_grow(client, world, facilitator):
    client.force_login(facilitator)
    first = query_count(client, url("group_detail", "G1"))
    for _i in range(6):
        person = f.PersonFactory(area=world.village)
        f.MembershipFactory(group=world.group, person=person)
        norm = f.NormFactory(group=world.group)
        norm.reviews.create(rating=3)
        f.ActivityFactory(group=world.group).attendees.add(person)
        f.ExchangeFactory(group=world.group, giver_person=person, receiver_person=world.member_person)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("group_detail", "G1"))
    assert len(response.context["members"]) == 8
    assert len(queries.captured_queries) <= first


def test_group_edit_saves(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("group_edit", "G1"),
        {
            "name": "Arisan RT 03 Baru",
            "kind": "arisan",
            "area": world.village.pk,
            "how_formed": "spontaneous",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    world.group.refresh_from_db()
    assert world.group.name == "Arisan RT 03 Baru"


def test_group_edit_bad_input_saves_nothing(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("group_edit", "G1"),
        {"name": "", "kind": "arisan", "area": world.village.pk, "how_formed": "spontaneous"},
    )
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert response.context["group"].name == "Arisan RT 03"  # the page title is not the bad input
    world.group.refresh_from_db()
    assert world.group.name == "Arisan RT 03"


# --- people -----------------------------------------------------------------------------------


def test_person_list_in_scope_and_search(client, world, facilitator):
    client.force_login(facilitator)
    people = client.get(url("person_list")).context["page"].object_list
    assert {p.ref for p in people} == {"P-MEMBER", "P-MEMBER2"}
    found = client.get(url("person_list"), {"q": "handa"}).context["page"].object_list
    assert [p.ref for p in found] == ["P-MEMBER"]
    htmx = client.get(url("person_list"), {"q": "handa"}, **HTMX)
    assert b"<html" not in htmx.content and b"Sri Handayani" in htmx.content


def test_person_list_coordinator_without_names_cannot_search_names(client, world, coordinator):
    client.force_login(coordinator)
    response = client.get(url("person_list"), {"q": "Sri"})
    assert list(response.context["page"].object_list) == []
    body = client.get(url("person_list")).content.decode()
    assert "Sri Handayani" not in body and pseudonym("P-MEMBER") in body


def test_person_list_query_count_does_not_grow(client, world, facilitator):
    client.force_login(facilitator)
    first = query_count(client, url("person_list"))
    for _i in range(10):
        f.MembershipFactory(group=world.group, person=f.PersonFactory(area=world.village))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("person_list"))
    assert len(response.context["page"].object_list) == 12
    assert len(queries.captured_queries) <= first


def test_person_create_records_consent_and_who(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("person_create"),
        once({
            "full_name": "Budi Santoso",
            "area": world.village.pk,
            "consent_on": "2026-01-02",
            "consent_given": "on",
            "phone": "+62 812 3456",
        }),
    )
    person = Person.objects.get(full_name="Budi Santoso")
    assert response["Location"] == url("person_detail", person.ref)
    assert person.consent_on == dt.date(2026, 1, 2) and person.consent_recorded_by == facilitator


@pytest.mark.parametrize(
    "data, field",
    [
        ({"consent_given": ""}, "consent_given"),
        ({"consent_on": ""}, "consent_on"),
        ({"full_name": " "}, "full_name"),
        ({"phone": "call me"}, "phone"),
        ({"birth_year": "1800"}, "birth_year"),
        ({"area": "999999"}, "area"),
    ],
)
def test_person_create_bad_input(client, world, facilitator, data, field):
    client.force_login(facilitator)
    post = {
        "full_name": "Budi",
        "area": world.village.pk,
        "consent_on": "2026-01-02",
        "consent_given": "on",
        **data,
    }
    response = client.post(url("person_create"), once(post))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Person.objects.filter(full_name="Budi").exists()


def test_person_detail_shows_only_visible_groups(client, world, facilitator, membership):
    f.MembershipFactory(person=world.member_person, group=world.other_group)
    client.force_login(facilitator)
    response = client.get(url("person_detail", "P-MEMBER"))
    assert [m.group.ref for m in response.context["memberships"]] == ["G1"]
    assert b"Kelompok Lain" not in response.content
    assert response.context["can_create_login"] is True


def test_person_detail_coordinator_sees_pseudonym_and_no_contact(client, world, coordinator):
    world.member_person.phone = "+6281234567"
    world.member_person.save()
    client.force_login(coordinator)
    body = client.get(url("person_detail", "P-MEMBER")).content.decode()
    assert "Sri Handayani" not in body and "+6281234567" not in body
    assert url("person_edit", "P-MEMBER") not in body


def test_person_edit_records_who_entered_consent(client, world, facilitator):
    world.member2_person.consent_on = None
    world.member2_person.save()
    client.force_login(facilitator)
    response = client.post(
        url("person_edit", "P-MEMBER2"),
        {
            "full_name": "Siti Maryati",
            "nickname": "Bu Siti",
            "area": world.village.pk,
            "consent_on": "2026-02-01",
        },
    )
    assert response.status_code == 302
    world.member2_person.refresh_from_db()
    assert world.member2_person.nickname == "Bu Siti"
    assert world.member2_person.consent_recorded_by == facilitator


def test_person_edit_bad_input_saves_nothing(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("person_edit", "P-MEMBER"),
        {
            "full_name": "Sri Baru",
            "area": world.village.pk,
            "birth_year": "3000",
        },
    )
    assert response.status_code == 200 and "birth_year" in response.context["form"].errors
    world.member_person.refresh_from_db()
    assert world.member_person.full_name == "Sri Handayani"


# --- memberships ------------------------------------------------------------------------------


@pytest.fixture
def neighbour(world):
    """Known in the group's village, not yet a member of any group."""
    return f.PersonFactory(
        ref="P-NEIGHBOUR", full_name="Wahyu Nugroho", nickname="Pak Wahyu", area=world.village
    )


def test_member_search_finds_people_of_the_area_as_you_type(client, world, facilitator, neighbour):
    f.PersonFactory(full_name="Wahyu Lain", area=world.other_village)
    client.force_login(facilitator)
    response = client.get(url("membership_add", "G1"), {"q": "wahyu"}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert "Wahyu Nugroho" in body and "Wahyu Lain" not in body
    assert 'name="person" value="P-NEIGHBOUR"' in body
    by_nickname = client.get(url("membership_add", "G1"), {"q": "pak wah"})
    assert [p.ref for p in by_nickname.context["results"]] == ["P-NEIGHBOUR"]


def test_member_search_marks_people_already_members(client, world, facilitator):
    client.force_login(facilitator)
    response = client.get(url("membership_add", "G1"), {"q": "Sri"})
    assert [p.is_member for p in response.context["results"]] == [True]


def test_member_search_field_uses_htmx_and_works_as_plain_get(client, world, facilitator):
    client.force_login(facilitator)
    body = client.get(url("membership_add", "G1")).content.decode()
    assert 'hx-trigger="input changed delay:300ms' in body
    assert f'<form method="get" action="{url("membership_add", "G1")}"' in body


def test_membership_add_adds_an_existing_person(client, world, facilitator, neighbour):
    client.force_login(facilitator)
    response = client.post(
        url("membership_add", "G1"),
        once({"person": "P-NEIGHBOUR", "role": "treasurer", "joined_on": "2026-05-01"}),
    )
    assert response["Location"] == url("group_detail", "G1")
    membership = world.group.memberships.get(person=neighbour)
    assert membership.role == "treasurer" and membership.joined_on == dt.date(2026, 5, 1)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"person": "P-MEMBER"}, "person"),  # already a member
        ({"person": "P-OTHER"}, "person"),  # not someone this facilitator may add
        ({"person": "NOPE"}, "person"),
        ({"role": "king"}, "role"),
        ({"joined_on": "31-31-2026"}, "joined_on"),
    ],
)
def test_membership_add_bad_input_saves_nothing(client, world, facilitator, neighbour, data, field):
    client.force_login(facilitator)
    before = Membership.objects.count()
    response = client.post(
        url("membership_add", "G1") + "?q=a", {"person": "P-NEIGHBOUR", "role": "member", **data}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert b"errorlist" in response.content
    assert Membership.objects.count() == before


def test_membership_add_race_on_the_constraint_is_a_form_error(client, world, facilitator, neighbour):
    client.force_login(facilitator)
    with mock.patch("groups.services.registry.add_member", side_effect=IntegrityError("dup")):
        response = client.post(url("membership_add", "G1"), once({"person": "P-NEIGHBOUR", "role": "member"}))
    assert response.status_code == 200 and "person" in response.context["form"].errors


def test_membership_create_registers_person_and_membership(client, world, facilitator):
    client.force_login(facilitator)
    form = client.get(url("membership_create", "G1"), {"q": "Rina Wulandari"}).context["form"]
    assert form["full_name"].value() == "Rina Wulandari"
    response = client.post(
        url("membership_create", "G1"),
        once({
            "full_name": "Rina Wulandari",
            "nickname": "Rina",
            "area": world.village.pk,
            "consent_on": "2026-05-01",
            "consent_given": "on",
            "role": "member",
            "joined_on": "2026-05-01",
        }),
    )
    assert response.status_code == 302
    person = Person.objects.get(full_name="Rina Wulandari")
    assert person.consent_recorded_by == facilitator
    assert world.group.memberships.open().filter(person=person).exists()


def test_membership_create_without_consent_saves_nothing(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("membership_create", "G1"),
        once({
            "full_name": "Rina",
            "area": world.village.pk,
            "role": "member",
        }),
    )
    assert response.status_code == 200
    assert {"consent_given", "consent_on"} <= set(response.context["form"].errors)
    assert not Person.objects.filter(full_name="Rina").exists()


def test_membership_create_is_all_or_nothing(client, world, facilitator):
    client.force_login(facilitator)
    with mock.patch("groups.services.registry.add_member", side_effect=IntegrityError("boom")):
        response = client.post(
            url("membership_create", "G1"),
            once({
                "full_name": "Rina",
                "area": world.village.pk,
                "consent_on": "2026-05-01",
                "consent_given": "on",
                "role": "member",
            }),
        )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Person.objects.filter(full_name="Rina").exists()


def test_membership_edit_changes_role(client, world, facilitator, membership):
    client.force_login(facilitator)
    response = client.post(
        url("membership_edit", "G1", membership.pk), {"role": "leader", "joined_on": "2023-01-01"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "leader" and membership.joined_on == dt.date(2023, 1, 1)


def test_membership_edit_bad_input(client, world, facilitator, membership):
    membership.left_on = dt.date(2025, 1, 1)
    membership.save()
    client.force_login(facilitator)
    response = client.post(
        url("membership_edit", "G1", membership.pk), {"role": "leader", "joined_on": "2025-06-01"}
    )
    assert response.status_code == 200 and "joined_on" in response.context["form"].errors
    membership.refresh_from_db()
    assert membership.role == "member" and membership.joined_on == dt.date(2024, 1, 1)


def test_membership_of_another_group_is_404(client, world, facilitator):
    other = world.other_group.memberships.first()
    client.force_login(facilitator)
    assert client.get(url("membership_edit", "G1", other.pk)).status_code == 404
    assert client.post(url("membership_end", "G1", other.pk), {"left_on": "2026-01-01"}).status_code == 404


def test_membership_end_keeps_history_and_allows_rejoining(client, world, facilitator, membership):
    client.force_login(facilitator)
    response = client.post(url("membership_end", "G1", membership.pk), {"left_on": "2026-03-01"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2026, 3, 1)
    detail = client.get(url("group_detail", "G1"))
    assert detail.context["former_members"] == [membership]
    client.post(url("membership_add", "G1"), once({"person": "P-MEMBER", "role": "member"}))
    assert world.group.memberships.filter(person=world.member_person).count() == 2


@pytest.mark.parametrize("left_on", ["2020-01-01", "", "soon"])
def test_membership_end_bad_date(client, world, facilitator, membership, left_on):
    client.force_login(facilitator)
    response = client.post(url("membership_end", "G1", membership.pk), {"left_on": left_on})
    assert response.status_code == 200 and "left_on" in response.context["form"].errors
    membership.refresh_from_db()
    assert membership.left_on is None


def test_membership_end_twice_is_a_form_error(client, world, facilitator, membership):
    membership.left_on = dt.date(2026, 1, 1)
    membership.save()
    client.force_login(facilitator)
    response = client.post(url("membership_end", "G1", membership.pk), {"left_on": "2026-02-01"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2026, 1, 1)


# --- external actors --------------------------------------------------------------------------


def test_actor_list_in_scope(client, world, coordinator, actor):
    f.ActorFactory(name="Bank Lain", area=world.other_village)
    regency_agency = f.ActorFactory(name="Dinas Kabupaten", area=world.district)
    client.force_login(coordinator)
    actors = client.get(url("actor_list")).context["page"].object_list
    assert set(actors) == {actor, regency_agency}
    assert list(client.get(url("actor_list"), {"q": "desa sumber"}).context["page"].object_list) == [actor]


def test_actor_create_and_edit(client, world, facilitator):
    client.force_login(facilitator)
    form = client.get(url("actor_create")).context["form"]
    assert set(form.fields["area"].queryset) == {world.village}  # areas above are read-only
    response = client.post(
        url("actor_create"),
        once({"name": "Puskesmas Kertek", "kind": "health_service", "area": world.village.pk}),
    )
    assert response["Location"] == url("actor_list")
    actor = ExternalActor.objects.get(name="Puskesmas Kertek")
    client.post(
        url("actor_edit", actor.ref),
        {"name": "Puskesmas Kertek II", "kind": "health_service", "area": world.village.pk},
    )
    actor.refresh_from_db()
    assert actor.name == "Puskesmas Kertek II"


@pytest.mark.parametrize(
    "data, field",
    [({"name": " "}, "name"), ({"kind": "alien"}, "kind"), ({"area": "W"}, "area")],
)
def test_actor_create_bad_input(client, world, facilitator, data, field):
    client.force_login(facilitator)
    post = {"name": "Bank", "kind": "bank", "area": world.village.pk, **data}
    if post["area"] == "W":
        post["area"] = world.other_village.pk
    response = client.post(url("actor_create"), once(post))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not ExternalActor.objects.filter(kind="bank").exists()


def test_actor_edit_bad_input_saves_nothing(client, world, facilitator, actor):
    client.force_login(facilitator)
    response = client.post(
        url("actor_edit", actor.ref), {"name": "", "kind": "ngo", "area": world.village.pk}
    )
    assert response.status_code == 200
    actor.refresh_from_db()
    assert actor.name == "Pemerintah Desa Sumberejo"


def test_editable_area_helpers_reach_no_other_area(world, facilitator):
    from groups import access

    scope = access.scope_for(facilitator)
    assert set(scope.editable_areas()) == {world.village}
    assert set(scope.actor_areas()) == {world.village}  # not the district above (finding 14)


def test_a_facilitator_may_not_edit_an_actor_seen_only_as_coordinator(client, world, facilitator):
    """Coordinating an area shows its actors; facilitating one group elsewhere gives no right
    to change them."""
    from groups.models import Assignment, StaffRole

    Assignment.objects.create(user=facilitator, role=StaffRole.COORDINATOR, area=world.other_district)
    actor = f.ActorFactory(ref="A-ELSEWHERE", area=world.other_district)
    client.force_login(facilitator)
    response = client.post(
        f"/actors/{actor.ref}/edit/",
        {"name": "Renamed", "kind": "ngo", "area": world.other_district.pk},
    )
    assert response.status_code == 403
    actor.refresh_from_db()
    assert actor.name != "Renamed"
