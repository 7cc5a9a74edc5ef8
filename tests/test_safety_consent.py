"""Consent before exposure: exchanges of a person without recorded consent are shown to their
facilitators and to the parties only (groups/access.py, Scope.visible_exchanges)."""

import pytest
from django.http import Http404
from django.urls import reverse

from groups import access
from groups.models import Exchange

from . import factories as f


@pytest.fixture
def rina(world):
    """A member of G1 who has not (yet) agreed to be recorded."""
    person = f.PersonFactory(ref="P-RINA", full_name="Rina Wulandari", area=world.village, consent_on=None)
    f.MembershipFactory(person=person, group=world.group)
    return person


@pytest.fixture
def flows(world, rina):
    """One exchange between consenting members, one involving Rina, one with an actor."""
    actor = f.ActorFactory(area=world.district)
    sri, siti = world.member_person, world.member2_person
    return {
        "consented": f.ExchangeFactory(giver_person=sri, receiver_person=siti),
        "rina": f.ExchangeFactory(giver_person=sri, receiver_person=rina),
        "rina_actor": f.ExchangeFactory(giver_person=None, giver_actor=actor, receiver_person=rina),
        "actor": f.ExchangeFactory(giver_person=None, giver_actor=actor, receiver_person=siti),
    }


def visible(user, flows) -> set[str]:
    scope = access.Scope(user)
    pks = set(scope.visible_exchanges(Exchange.objects.all()).values_list("pk", flat=True))
    return {name for name, exchange in flows.items() if exchange.pk in pks}


ALL = {"consented", "rina", "rina_actor", "actor"}
WITHOUT_RINA = {"consented", "actor"}


def test_her_facilitator_and_staff_see_everything(flows, facilitator, staff):
    assert visible(facilitator, flows) == ALL
    assert visible(staff, flows) == ALL


@pytest.mark.parametrize("persona", ["coordinator", "other_facilitator", "other_coordinator", "member2"])
def test_nobody_else_sees_her_exchanges(flows, persona, request):
    assert visible(request.getfixturevalue(persona), flows) == WITHOUT_RINA


def test_the_other_party_sees_the_exchange_they_took_part_in(flows, member):
    assert visible(member, flows) == WITHOUT_RINA | {"rina"}


def test_she_sees_her_own(flows, rina, world):
    rina.user = f.UserFactory(username="rina")
    rina.save()
    assert visible(rina.user, flows) == ALL


def test_once_consent_is_recorded_everyone_in_scope_sees_them(flows, rina, coordinator):
    rina.consent_on = "2026-07-01"
    rina.save()
    assert visible(coordinator, flows) == ALL


def test_get_exchange_hides_with_404(flows, coordinator, facilitator, rf):
    def get(user, name):
        request = rf.get("/")
        request.user = user
        return access.get_exchange(request, flows[name].ref)

    with pytest.raises(Http404):
        get(coordinator, "rina")
    assert get(facilitator, "rina") == flows["rina"]
    assert get(coordinator, "consented") == flows["consented"]


def test_shows_exchanges_of(rina, world, facilitator, coordinator, member):
    assert access.Scope(facilitator).shows_exchanges_of(rina)
    assert not access.Scope(coordinator).shows_exchanges_of(rina)
    assert not access.Scope(member).shows_exchanges_of(rina)
    assert access.Scope(coordinator).shows_exchanges_of(world.member_person)


# --- applied to the pages -------------------------------------------------------------------


def test_exchange_page_is_404_for_those_who_may_not_see_it(client, flows, coordinator, facilitator, member):
    url = reverse("groups:exchange_detail", args=[flows["rina"].ref])
    client.force_login(coordinator)
    assert client.get(url).status_code == 404
    client.force_login(facilitator)
    assert client.get(url).status_code == 200
    client.force_login(member)  # the giver
    assert client.get(url).status_code == 200


def test_group_page_lists_her_exchanges_for_her_facilitator_only(
    client, flows, world, coordinator, facilitator
):
    for exchange in flows.values():
        exchange.group = world.group
        exchange.save()
    url = reverse("groups:group_detail", args=[world.group.ref])

    def listed(user):
        client.force_login(user)
        body = client.get(url).content.decode()
        return {k for k, x in flows.items() if reverse("groups:exchange_detail", args=[x.ref]) in body}

    assert listed(facilitator) == ALL
    assert listed(coordinator) == WITHOUT_RINA


def test_export_leaves_out_her_exchanges_for_coordinators(flows, world, coordinator, facilitator):
    from groups.transfer import exporter

    def refs_in(user):
        text = exporter.export_community(area=world.district, pseudonymize=True, user=user)["exchanges"]
        return {ref for ref in (flows[k].ref for k in flows) if ref in text}

    assert refs_in(facilitator) == {flows[k].ref for k in ALL}
    assert refs_in(coordinator) == {flows[k].ref for k in WITHOUT_RINA}


def test_her_profile_is_for_her_facilitator(client, rina, coordinator, facilitator):
    url = reverse("groups:report_person", args=[rina.ref])
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    client.force_login(facilitator)
    assert client.get(url).status_code == 200


def test_another_facilitators_pending_list_leaves_her_out(client, world, rina, other_facilitator):
    # Someone the other facilitator looks after gave to Rina; it waits for confirmation.
    theirs = world.other_member_person
    pending = f.ExchangeFactory(giver_person=theirs, receiver_person=rina, status="pending")
    client.force_login(other_facilitator)
    body = client.get(reverse("groups:exchange_pending")).content.decode()
    assert reverse("groups:exchange_detail", args=[pending.ref]) not in body
    shown = f.ExchangeFactory(giver_person=theirs, receiver_person=world.member_person, status="pending")
    body = client.get(reverse("groups:exchange_pending")).content.decode()
    assert reverse("groups:exchange_detail", args=[shown.ref]) in body
