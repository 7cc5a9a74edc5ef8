"""Erasure on request: the person is anonymised in place; aggregates stay; the name is gone
from pages, exports and the audit trail (UU PDP 27/2022)."""

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from groups.models import Exchange, NormReview, Person
from groups.scores import reading, snapshots
from groups.services.safety import erase_person
from groups.transfer import exporter

from . import factories as f
from .conftest import outside_timestamps

NAME = "Ratna Kusumawati"
NICK = "Bu Ratna"
PHONE = "+62 813 2468 1357"


@pytest.fixture
def ratna(world, facilitator):
    """A member of G1 with a login, exchanges with two neighbours, and history in the trail."""
    person = f.PersonFactory(
        ref="P-RATNA", full_name=NAME, nickname=NICK, phone=PHONE, birth_year=1980,
        area=world.village, gender="female",
    )
    person.user = f.UserFactory(username="ratna", first_name="Ratna", email="ratna@example.org")
    person.save()
    f.MembershipFactory(person=person, group=world.group)
    for i, other in enumerate([world.member_person, world.member2_person, world.member_person]):
        f.ExchangeFactory(giver_person=person, receiver_person=other, group=world.group,
                          amount=50000 + i, unit="IDR", note=f"Dipinjam {NICK} untuk sekolah")
        f.ExchangeFactory(giver_person=other, receiver_person=person, group=world.group,
                          resource="emotional_support", note=f"Menemani {NAME} ke puskesmas")
    norm = f.NormFactory(group=world.group)
    NormReview.objects.create(norm=norm, rating=4, note=f"{NAME} selalu hadir; Pertanian maju")
    person.nickname = NICK + " "  # a change, so the trail holds old and new values
    person.save()
    person.nickname = NICK
    person.save()
    return person


def area_figures(area):
    """The numbers of the area report (brokers by person id: refs change on erasure)."""
    snapshot = snapshots.compute_snapshot(
        reading.create_snapshot(area, dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    )
    figures = dict(snapshot.area_scores)
    refs = figures.pop("brokers")
    figures["broker_ids"] = sorted(Person.objects.filter(ref__in=refs).values_list("pk", flat=True))
    for part in figures.get("parts", {}).values():  # each village's figures list brokers too
        part["brokers"] = sorted(Person.objects.filter(ref__in=part["brokers"]).values_list("pk", flat=True))
    return figures


def exchange_totals():
    return sorted(
        Exchange.objects.values_list("giver_person_id", "receiver_person_id", "resource", "amount", "status")
    )


def everything_readable(client, world, users):
    """Every place the name could surface: pages for each user, the audit trail, exports."""
    texts = []
    for user in users:
        client.force_login(user)
        for url in (
            reverse("groups:person_list"),
            reverse("groups:group_detail", args=[world.group.ref]),
            reverse("groups:audit_list"),
            reverse("groups:my_exchanges"),
            reverse("groups:report_dashboard"),
            reverse("groups:report_group", args=[world.group.ref]),
        ):
            response = client.get(url)
            if response.status_code == 200:
                texts.append(response.content.decode())
        texts.extend(exporter.export_community(area=world.district, pseudonymize=False, user=user).values())
    for entry in LogEntry.objects.all():
        texts.append(entry.object_repr + json.dumps(entry.changes, ensure_ascii=False) + entry.changes_text)
    texts.extend(Exchange.objects.values_list("note", flat=True))
    texts.extend(NormReview.objects.values_list("note", flat=True))
    return "\n".join(texts)


@pytest.mark.slow
def test_erasure_keeps_aggregates_and_removes_the_name_everywhere(
    client, world, facilitator, coordinator, staff, member, ratna
):
    for user in (coordinator,):
        from groups.models import Assignment

        Assignment.objects.filter(user=user).update(sees_names=True)
    before_figures = area_figures(world.district)
    before_totals = exchange_totals()
    readers = [facilitator, coordinator, staff, member]
    before = everything_readable(client, world, readers)
    assert NAME in before and NICK in before  # the check below can fail

    erase_person(person=ratna, by=facilitator)

    assert exchange_totals() == before_totals
    assert area_figures(world.district) == before_figures
    after = everything_readable(client, world, readers)
    for secret in (NAME, NICK, PHONE, "ratna@example.org", "P-RATNA"):
        assert secret not in after, secret
    assert "2468" not in outside_timestamps(after)  # no part of the phone either
    assert "Pertanian maju" in after  # whole words only


def test_the_person_record_is_anonymised_and_the_login_closed(world, facilitator, ratna, settings):
    settings.LANGUAGE_CODE = "id"  # the stored stand-in name is in the site's language
    user_id = ratna.user_id
    with translation.override("en"):  # whoever erases, in whatever language
        erased = erase_person(person=ratna, by=facilitator)
    erased.refresh_from_db()
    assert erased.full_name.startswith("Terhapus ")
    assert (erased.nickname, erased.phone, erased.birth_year, erased.user) == ("", "", None, None)
    assert erased.erased_at is not None
    assert erased.ref != "P-RATNA"
    assert erased.memberships.count() == 1  # kept: the group's size does not change
    assert erased.gender == "female" and erased.area == world.village  # aggregates by area/gender
    user = get_user_model().objects.get(pk=user_id)
    assert not user.is_active and not user.has_usable_password()
    assert "ratna" not in user.username and user.email == "" and user.first_name == ""


def test_the_erasure_itself_is_in_the_trail_by_whom(world, facilitator, ratna):
    erase_person(person=ratna, by=facilitator)
    entry = LogEntry.objects.filter(object_id=ratna.pk, content_type__model="person").latest("pk")
    assert entry.actor == facilitator
    assert list(entry.changes) == ["erased_at"]


def test_erasing_twice_changes_nothing(world, facilitator, ratna):
    first = erase_person(person=ratna, by=facilitator)
    name = first.full_name
    second = erase_person(person=first, by=facilitator)
    assert second.full_name == name


def test_a_staff_login_is_unlinked_but_not_closed(world, facilitator):
    person = f.PersonFactory(area=world.village, full_name="Pendamping Juga Warga")
    person.user = facilitator
    person.save()
    erase_person(person=person, by=facilitator)
    facilitator.refresh_from_db()
    assert facilitator.is_active and facilitator.username == "fasilitator"


# --- the page ---------------------------------------------------------------------------------


def url(person):
    return reverse("groups:person_erase", args=[person.ref])


def test_facilitator_confirms_then_erases(client, facilitator, ratna):
    client.force_login(facilitator)
    page = client.get(url(ratna), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "6 exchanges" in page.content.decode()
    response = client.post(url(ratna), {"confirm": "on"})
    ratna.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:person_detail", args=[ratna.ref])
    assert ratna.erased_at is not None
    assert client.get(url(ratna)).status_code == 404  # nothing left to erase


def test_without_the_confirmation_nothing_happens(client, facilitator, ratna):
    client.force_login(facilitator)
    response = client.post(url(ratna), {})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    ratna.refresh_from_db()
    assert ratna.full_name == NAME and ratna.erased_at is None


def test_htmx_invalid_post_gets_the_form_only(client, facilitator, ratna):
    client.force_login(facilitator)
    response = client.post(url(ratna), {}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "<form" in body


def test_htmx_success_redirects_the_whole_page(client, facilitator, ratna):
    client.force_login(facilitator)
    response = client.post(url(ratna), {"confirm": "on"}, HTTP_HX_REQUEST="true")
    ratna.refresh_from_db()
    assert response["HX-Redirect"] == reverse("groups:person_detail", args=[ratna.ref])


def test_anonymous_is_sent_to_login(client, ratna):
    response = client.get(url(ratna))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["coordinator", "member"])
def test_people_in_scope_without_the_right_are_refused(client, ratna, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(ratna)).status_code == 403
    assert client.post(url(ratna), {"confirm": "on"}).status_code == 403
    ratna.refresh_from_db()
    assert ratna.erased_at is None


def test_outsiders_get_404(client, ratna, other_facilitator):
    client.force_login(other_facilitator)
    assert client.get(url(ratna)).status_code == 404


def test_wrong_method(client, facilitator, ratna):
    client.force_login(facilitator)
    assert client.put(url(ratna)).status_code == 405


def test_the_person_page_links_the_erasure_for_those_who_may_erase(client, facilitator, coordinator, ratna):
    page = reverse("groups:person_detail", args=[ratna.ref])
    client.force_login(facilitator)
    assert url(ratna) in client.get(page).content.decode()
    client.force_login(coordinator)
    assert url(ratna) not in client.get(page).content.decode()
