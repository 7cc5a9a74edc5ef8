"""The audit trail: what is recorded, masked and tagged, and who may read it."""

import html
import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import audit
from groups.models import AreaLevel, Assignment, Exchange, Group, Norm, Person
from groups.security import AuditActorMiddleware

from . import factories as f
from .conftest import TIMESTAMP as TIMESTAMP_OF_CHANGE
from .conftest import outside_timestamps

URL = reverse("groups:audit_list")


def entries_for(obj):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).order_by("pk")


# --- what is recorded -----------------------------------------------------------------------


@pytest.mark.parametrize("model", audit.AUDITED, ids=lambda m: m.__name__)
def test_every_audited_model_records_create_change_and_delete(world, model):
    factories = {
        "Group": lambda: f.GroupFactory(area=world.village),
        "Person": lambda: f.PersonFactory(area=world.village),
        "Membership": lambda: f.MembershipFactory(
            person=f.PersonFactory(area=world.village), group=world.group
        ),
        "Norm": lambda: f.NormFactory(group=world.group),
        "NormReview": lambda: f.NormFactory(group=world.group).reviews.create(rating=3),
        "Exchange": lambda: f.ExchangeFactory(
            giver_person=world.member_person, receiver_person=world.member2_person
        ),
        "Activity": lambda: f.ActivityFactory(group=world.group),
        "ExternalActor": lambda: f.ActorFactory(area=world.village),
    }
    obj = factories[model.__name__]()
    field = {"Membership": "role", "NormReview": "note", "Exchange": "note", "Norm": "statement",
             "Person": "nickname", "Group": "description", "Activity": "title",
             "ExternalActor": "name"}[model.__name__]
    setattr(obj, field, "treasurer" if field == "role" else "diubah")
    obj.save()
    pk = obj.pk
    if model is not Person and model is not Exchange:  # people and exchanges are never deleted
        obj.delete()
        obj.pk = pk
    actions = list(entries_for(obj).values_list("action", flat=True))
    expected = [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    if model is not Person and model is not Exchange:
        expected.append(LogEntry.Action.DELETE)
    assert actions == expected
    tags = entries_for(obj).last().additional_data
    assert audit.tag(world.village.pk) in tags["areas"]
    assert audit.tag(world.district.pk) in tags["areas"]  # ancestors too


def test_the_actor_is_the_requests_user_looked_up_only_when_needed(rf, world, facilitator):
    def view(request):
        Group.objects.filter(pk=world.group.pk).first().save()  # no change: no entry
        group = Group.objects.get(pk=world.group.pk)
        group.description = "Pertemuan tiap Kamis"
        group.save()
        return HttpResponse()

    request = rf.get("/")
    request.user = facilitator
    AuditActorMiddleware(view)(request)
    entry = entries_for(world.group).last()
    assert entry.actor == facilitator
    assert entry.changes["description"] == ["", "Pertemuan tiap Kamis"]


def test_phones_are_masked_in_the_trail(world):
    person = f.PersonFactory(area=world.village, phone="+62 812 3456 7890")
    person.phone = "0812 9999 0011"
    person.save()
    created, changed = entries_for(person)
    assert "3456" not in outside_timestamps(str(created.changes))
    assert created.changes["phone"][1].endswith("90")
    assert changed.changes["phone"] == ["•••••••••••••••90", "••••••••••••11"]
    assert "9999" not in outside_timestamps(str(changed.changes))


def test_the_phone_searches_skip_only_timestamps(world):
    """The searches above look past timestamps (whose microseconds may hold any digits) and
    nowhere else."""
    person = f.PersonFactory(area=world.village, phone="0812 1111 2222")
    text = str(entries_for(person).get().changes)
    assert TIMESTAMP_OF_CHANGE.search(text)  # the trail does store timestamps
    assert not TIMESTAMP_OF_CHANGE.search(outside_timestamps(text))
    assert outside_timestamps("2026-12-02 17:15:51.123456+00:00 +62 812 3456 7890") == "  +62 812 3456 7890"


def test_an_exchange_is_tagged_with_both_parties_and_their_areas(world):
    exchange = f.ExchangeFactory(giver_person=world.member_person, receiver_person=world.other_member_person)
    tags = entries_for(exchange).get().additional_data
    for area in (world.village, world.district, world.other_village, world.other_district):
        assert audit.tag(area.pk) in tags["areas"]
    assert tags["people"] == f"|{min(world.member_person.pk, world.other_member_person.pk)}|" \
        f"{max(world.member_person.pk, world.other_member_person.pk)}|"


def test_an_entry_is_tagged_in_one_query_whatever_its_record_touches(world):
    # An exchange from a person to an outside actor in another district, logged in a group:
    # the three ends' areas and their ancestors are read together, not one table at a time.
    actor = f.ActorFactory(area=world.other_village)
    exchange = f.ExchangeFactory(giver_person=world.member_person, receiver_person=None,
                                 receiver_actor=actor, group=world.group)
    with CaptureQueriesContext(connection) as queries:
        tags = audit.tags_for(exchange)
    assert len(queries) == 1
    for area in (world.village, world.district, world.other_village, world.other_district):
        assert audit.tag(area.pk) in tags["areas"]
    assert tags["people"] == audit.tag(world.member_person.pk)
    membership = f.MembershipFactory(person=world.other_member_person, group=world.group)
    with CaptureQueriesContext(connection) as queries:
        tags = audit.tags_for(membership)
    assert len(queries) == 1
    for area in (world.village, world.district, world.other_village, world.other_district):
        assert audit.tag(area.pk) in tags["areas"]


def test_tags_hold_every_area_up_to_the_province_as_the_area_tree_says(db):
    # Four levels (the world has two), two branches: each audited kind's tags hold its rows'
    # areas and everything above them, found here by following each area's parent, and nothing
    # of the other branch.
    province = f.AreaFactory(level=AreaLevel.PROVINCE)
    regency = f.AreaFactory(level=AreaLevel.REGENCY, parent=province)
    districts = [f.AreaFactory(level=AreaLevel.DISTRICT, parent=regency) for _ in range(2)]
    villages = [f.VillageFactory(parent=d) for d in districts]
    here, there = villages
    group = f.GroupFactory(area=here)
    person = f.PersonFactory(area=here)
    outsider = f.PersonFactory(area=there)
    actor = f.ActorFactory(area=there)
    norm = f.NormFactory(group=group)
    records = {
        "Group": (group, [here]),
        "Person": (person, [here]),
        "ExternalActor": (actor, [there]),
        "Membership": (f.MembershipFactory(person=outsider, group=group), [here, there]),
        "Norm": (norm, [here]),
        "NormReview": (norm.reviews.create(rating=3), [here]),
        "Activity": (f.ActivityFactory(group=group), [here]),
        "Exchange": (
            f.ExchangeFactory(giver_person=person, receiver_person=None, receiver_actor=actor),
            [here, there],
        ),
    }
    assert set(records) == {model.__name__ for model in audit.AUDITED}
    def with_ancestors(areas) -> set[int]:
        found = set()
        for area in areas:
            while area is not None:
                found.add(area.pk)
                area = area.parent
        return found

    for name, (record, own) in records.items():
        expected = with_ancestors(own)
        tagged = {int(i) for i in audit.tags_for(record)["areas"].strip("|").split("|")}
        assert tagged == expected, name
        assert {province.pk, regency.pk} <= tagged, name
        if there not in own:
            assert not {there.pk, there.parent_id} & tagged, name


def test_updates_made_without_signals_can_be_recorded(world, facilitator):
    exchange = f.ExchangeFactory(
        giver_person=world.member_person, receiver_person=world.member2_person, status="pending"
    )
    Exchange.objects.filter(pk=exchange.pk).update(status="confirmed")
    with set_actor(facilitator):
        audit.record_update(exchange, {"status": ["pending", "confirmed"]})
    entry = entries_for(exchange).last()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == facilitator
    assert entry.changes == {"status": ["pending", "confirmed"]}
    assert audit.tag(world.village.pk) in entry.additional_data["areas"]


# --- who may read it ------------------------------------------------------------------------


@pytest.fixture
def history(world):
    """Changes in district D (group G1) and in district E (group H), one record deleted."""
    mine = f.NormFactory(group=world.group, statement="Hadir tiap bulan")
    theirs = f.NormFactory(group=world.other_group, statement="Norma kecamatan lain")
    gone = f.NormFactory(group=world.group, statement="Norma yang dihapus")
    gone.delete()
    return mine, theirs


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["member", "facilitator"])
def test_people_without_a_coordinator_role_are_refused(client, world, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_only_get(client, coordinator):
    client.force_login(coordinator)
    assert client.post(URL).status_code == 405


def test_coordinator_sees_their_area_including_deletions_and_nothing_else(client, history, coordinator):
    client.force_login(coordinator)
    body = client.get(URL).content.decode()
    assert "Hadir tiap bulan" in body
    assert "Norma yang dihapus" in body
    assert "Norma kecamatan lain" not in body


def test_the_other_coordinator_sees_only_theirs(client, history, other_coordinator):
    client.force_login(other_coordinator)
    body = client.get(URL).content.decode()
    assert "Norma kecamatan lain" in body
    assert "Hadir tiap bulan" not in body


def test_staff_see_everything(client, history, staff):
    client.force_login(staff)
    body = client.get(URL).content.decode()
    assert "Norma kecamatan lain" in body and "Hadir tiap bulan" in body


def test_filters_and_invalid_filters(client, history, coordinator):
    client.force_login(coordinator)
    body = client.get(URL, {"kind": "norm", "action": "2"}).content.decode()
    assert "Norma yang dihapus" in body and "Hadir tiap bulan" not in body
    response = client.get(URL, {"kind": "user", "action": "9", "page": "-1"})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_htmx_gets_the_entries_only(client, history, coordinator):
    client.force_login(coordinator)
    response = client.get(URL, {"page": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="entries"' in body


def test_pages_of_entries_take_a_constant_number_of_queries(
    client, world, coordinator, django_assert_max_num_queries
):
    def add_changes(n):
        for i in range(n):
            person = f.PersonFactory(area=world.village, phone="0812000000")
            f.MembershipFactory(person=person, group=world.group)
            f.ExchangeFactory(giver_person=person, receiver_person=world.member_person, note=f"n{i}")
            norm = f.NormFactory(group=world.group)
            norm.reviews.create(rating=4, reviewed_by=coordinator)

    client.force_login(coordinator)
    add_changes(2)
    with django_assert_max_num_queries(40) as first:
        assert client.get(URL).status_code == 200
    add_changes(15)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(URL).status_code == 200


def test_next_opens_the_second_page_of_the_trail(client, world, coordinator):
    """The Next link's address carries the page (a doubled "?" once sent "?page" instead)."""
    for _i in range(60):
        f.NormFactory(group=world.group)
    client.force_login(coordinator)
    first = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert first.context["page"].number == 1 and first.context["page"].has_next()
    following = html.unescape(re.search(r'href="(\?[^"]*page=2[^"]*)"', first.content.decode()).group(1))
    second = client.get(URL + following, HTTP_ACCEPT_LANGUAGE="en")
    assert second.context["page"].number == 2
    assert {e.pk for e in second.context["page"]}.isdisjoint({e.pk for e in first.context["page"]})
    # and the same link as htmx follows it (its hx-get once read "/audit/??page=2": page 1 again)
    swapped = html.unescape(re.search(r'hx-get="([^"]*page=2[^"]*)"', first.content.decode()).group(1))
    assert swapped.startswith("?") and not swapped.startswith("??")
    fragment = client.get(URL + swapped, HTTP_ACCEPT_LANGUAGE="en", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "Page 2 of" in fragment.content.decode()


# --- names in the trail ---------------------------------------------------------------------


def test_coordinator_without_name_permission_sees_pseudonyms(client, world, coordinator):
    person = f.PersonFactory(area=world.village, full_name="Wulan Sekarsari", nickname="Mbak Wulan")
    client.force_login(coordinator)
    body = client.get(URL).content.decode()
    assert "Wulan" not in body
    from groups.privacy import pseudonym

    assert pseudonym(person.ref) in body


def test_coordinator_allowed_to_see_names_sees_consenting_people_only(client, world, coordinator):
    Assignment.objects.filter(user=coordinator).update(sees_names=True)
    f.PersonFactory(area=world.village, full_name="Wulan Sekarsari")
    f.PersonFactory(area=world.village, full_name="Rina Tanpa Izin", consent_on=None)
    client.force_login(coordinator)
    body = client.get(URL).content.decode()
    assert "Wulan Sekarsari" in body
    assert "Rina Tanpa Izin" not in body


def test_exchange_entries_hide_unnamed_parties(client, world, coordinator):
    exchange = f.ExchangeFactory(giver_person=world.member_person, receiver_person=world.member2_person)
    assert "Sri Handayani" in entries_for(exchange).get().object_repr
    client.force_login(coordinator)
    body = client.get(URL, {"kind": "exchange"}).content.decode()
    assert "Sri Handayani" not in body and "Siti Maryati" not in body


def test_assignment_row_is_not_needed_for_staff_to_see_names(client, world, staff):
    f.PersonFactory(area=world.village, full_name="Wulan Sekarsari")
    client.force_login(staff)
    assert "Wulan Sekarsari" in client.get(URL).content.decode()


def test_navigation_links_the_trail_for_coordinators_only(client, world, coordinator, facilitator):
    client.force_login(coordinator)
    assert URL in client.get(reverse("groups:home")).content.decode()
    client.force_login(facilitator)
    assert URL not in client.get(reverse("groups:home")).content.decode()


def test_registration_of_the_audited_models(db):
    from auditlog.registry import auditlog

    for model in (Group, Person, Norm, Exchange):
        assert auditlog.contains(model)
    assert auditlog.get_model_fields(Person)["mask_fields"] == ["phone"]


def test_confirming_an_exchange_is_in_the_trail_by_whom(world, member, member2):
    from groups.services.exchanges import confirm_exchange

    exchange = f.ExchangeFactory(
        giver_person=world.member_person, receiver_person=world.member2_person, status="pending",
        logged_by=member,
    )
    assert confirm_exchange(exchange=exchange, by=member2)
    assert not confirm_exchange(exchange=exchange, by=member2)  # the second answer changes nothing
    entries = entries_for(exchange).filter(action=LogEntry.Action.UPDATE)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == member2
    assert entry.changes == {"status": ["pending", "confirmed"], "confirmed_by": ["None", str(member2.pk)]}


def test_exchanges_of_someone_without_consent_show_no_details_to_coordinators(
    client, world, coordinator, staff
):
    Assignment.objects.filter(user=coordinator).update(sees_names=True)
    rina = f.PersonFactory(area=world.village, full_name="Rina Tanpa Izin", consent_on=None)
    f.ExchangeFactory(giver_person=world.member_person, receiver_person=rina, amount=987654, unit="IDR")
    client.force_login(coordinator)
    response = client.get(URL, {"kind": "exchange"})
    body = response.content.decode()
    assert "987654" not in body and "Rina Tanpa Izin" not in body
    assert list(response.context["rows"]) == []  # not even that the exchange happened
    client.force_login(staff)
    response = client.get(URL, {"kind": "exchange"})
    assert "987654" in response.content.decode()
    assert len(list(response.context["rows"])) == 1
