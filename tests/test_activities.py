"""Activities in the browser: a meeting, training, work day or planning forum, with attendance
ticked from the group's member list."""

import datetime as dt

import pytest
from django.urls import reverse

from groups.models import Activity

from . import factories as f
from .factories import once

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"groups:{name}", args=args)


@pytest.fixture
def activity(world):
    activity = f.ActivityFactory(ref="ACT-1", group=world.group, title="Pertemuan Juni")
    activity.attendees.add(world.member_person)
    return activity


@pytest.fixture
def actor(world):
    return f.ActorFactory(name="Puskesmas Kertek", kind="health_service", area=world.district)


@pytest.fixture
def pages(activity):
    return {
        "activity_create": (url("activity_create", "G1"), ["GET", "POST"]),
        "activity_detail": (url("activity_detail", "G1", activity.ref), ["GET"]),
        "activity_edit": (url("activity_edit", "G1", activity.ref), ["GET", "POST"]),
    }


NAMES = ["activity_create", "activity_detail", "activity_edit"]


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_login(client, pages, name):
    response = client.get(pages[name][0])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", NAMES)
def test_other_methods_are_refused(client, facilitator, pages, name):
    client.force_login(facilitator)
    address, methods = pages[name]
    for method in ("put", "delete", "post"):
        if method.upper() not in methods:
            assert getattr(client, method)(address).status_code == 405, method


@pytest.mark.parametrize("name", NAMES)
def test_outsider_gets_404(client, other_facilitator, pages, name):
    client.force_login(other_facilitator)
    for method in pages[name][1]:
        assert getattr(client, method.lower())(pages[name][0]).status_code == 404


@pytest.mark.parametrize("name", ["activity_create", "activity_edit"])
def test_coordinator_gets_403_on_edits(client, coordinator, pages, name):
    client.force_login(coordinator)
    for method in pages[name][1]:
        assert getattr(client, method.lower())(pages[name][0]).status_code == 403


@pytest.mark.parametrize("name", NAMES)
def test_htmx_gets_a_fragment(client, facilitator, pages, name):
    client.force_login(facilitator)
    response = client.get(pages[name][0], **HTMX)
    assert response.status_code == 200 and b"<html" not in response.content


def test_activity_of_another_group_is_404(client, world, facilitator):
    foreign = f.ActivityFactory(group=world.other_group)
    client.force_login(facilitator)
    assert client.get(url("activity_detail", "G1", foreign.ref)).status_code == 404
    assert client.get(url("activity_edit", "G1", foreign.ref)).status_code == 404


def test_attendance_is_ticked_from_the_member_list(client, world, facilitator, actor):
    client.force_login(facilitator)
    form = client.get(url("activity_create", "G1")).context["form"]
    assert set(form.fields["attendees"].queryset) == {world.member_person, world.member2_person}
    response = client.post(
        url("activity_create", "G1"),
        once({
            "kind": "training",
            "date": "2026-06-10",
            "title": "Pelatihan pembukuan",
            "actor": actor.pk,
            "attendees": [world.member_person.pk, world.member2_person.pk],
        }),
    )
    activity = Activity.objects.get(title="Pelatihan pembukuan")
    assert response["Location"] == url("activity_detail", "G1", activity.ref)
    assert activity.group == world.group and activity.actor == actor
    assert set(activity.attendees.all()) == {world.member_person, world.member2_person}
    body = client.get(url("activity_detail", "G1", activity.ref)).content.decode()
    assert "Sri Handayani" in body and "Puskesmas Kertek" in body


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "party"}, "kind"),
        ({"date": "tomorrow"}, "date"),
        ({"attendees": ["P-OTHER"]}, "attendees"),  # not a member of the group
        ({"actor": "999999"}, "actor"),
    ],
)
def test_activity_create_bad_input(client, world, facilitator, data, field):
    if data.get("attendees") == ["P-OTHER"]:
        data = {"attendees": [world.other_member_person.pk]}
    client.force_login(facilitator)
    response = client.post(
        url("activity_create", "G1"), once({"kind": "meeting", "date": "2026-06-01", **data})
    )
    assert response.status_code == 200 and field in response.context["form"].errors
    assert b"errorlist" in response.content
    assert not Activity.objects.exists()


def test_activity_actor_outside_scope_is_refused(client, world, facilitator):
    far = f.ActorFactory(area=world.other_district)
    client.force_login(facilitator)
    response = client.post(
        url("activity_create", "G1"), once({"kind": "meeting", "date": "2026-06-01", "actor": far.pk})
    )
    assert response.status_code == 200 and "actor" in response.context["form"].errors


def test_activity_edit_changes_attendance_and_keeps_former_attendees_tickable(
    client, world, facilitator, activity
):
    world.group.memberships.filter(person=world.member_person).update(left_on=dt.date(2026, 7, 1))
    client.force_login(facilitator)
    form = client.get(url("activity_edit", "G1", activity.ref)).context["form"]
    assert world.member_person in set(form.fields["attendees"].queryset)
    response = client.post(
        url("activity_edit", "G1", activity.ref),
        {
            "kind": "meeting",
            "date": "2026-06-01",
            "title": "Pertemuan Juni",
            "attendees": [world.member_person.pk, world.member2_person.pk],
        },
    )
    assert response.status_code == 302
    assert set(activity.attendees.all()) == {world.member_person, world.member2_person}


def test_activity_edit_bad_input_saves_nothing(client, world, facilitator, activity):
    client.force_login(facilitator)
    response = client.post(
        url("activity_edit", "G1", activity.ref),
        {
            "kind": "",
            "date": "2026-06-01",
            "attendees": [world.member2_person.pk],
        },
    )
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert list(activity.attendees.all()) == [world.member_person]


def test_activity_detail_coordinator_sees_no_names(client, coordinator, activity):
    """Nor the title, which may name people: the activity's kind instead."""
    client.force_login(coordinator)
    response = client.get(url("activity_detail", "G1", activity.ref), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200 and "<h1>Meeting</h1>" in body
    assert "Pertemuan Juni" not in body and "Sri Handayani" not in body
    assert url("activity_edit", "G1", activity.ref) not in body


def test_an_activity_date_far_outside_the_calendar_is_refused(client, facilitator, world):
    from groups.models import Activity

    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    url = f"/groups/{world.group.ref}/activities/new/"
    for day in ("9999-12-31", "0001-01-01"):
        response = client.post(url, {"kind": "training", "date": day, "title": "Pelatihan"})
        assert response.status_code == 200
        assert "Give a date between 1900 and a year from now." in response.content.decode()
    assert not Activity.objects.exists()


def test_before_and_after_of_an_activity_at_the_calendar_edge_does_not_fail(
    client, facilitator, world
):
    import datetime as dt

    from groups.models import Activity

    activity = Activity.objects.create(
        ref="ACT-EDGE", group=world.group, kind="training", date=dt.date(9999, 12, 31)
    )
    client.force_login(facilitator)
    response = client.get(f"/reports/groups/{world.group.ref}/change/{activity.ref}/")
    assert response.status_code == 200, response.status_code
