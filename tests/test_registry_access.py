"""Who holds a person, their login and the actors above."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import AreaLevel, Assignment, ExternalActor, Membership, Person, StaffRole
from groups.services import registry as services

from . import factories as f


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def url(name, *args):
    return reverse(f"groups:{name}", args=args)


# --- finding 4: looking after a person is not annexing them -------------------------------------


@pytest.fixture
def g2_facilitator(world):
    """Looks after G3, a second group in Sri's village."""
    user = f.UserFactory(username="fasilitator-g3")
    f.GroupFactory(ref="G3", name="Kelompok Tani", area=world.village).facilitators.add(user)
    return user


def test_finding_4_adding_someone_gives_membership_rights_only(
    client, world, facilitator, member, g2_facilitator
):
    """Sri joined G1 first (looked after by its facilitator); G3's facilitator adds her too."""
    client.force_login(g2_facilitator)
    added = client.post(
        url("membership_add", "G3"),
        f.once({"person": "P-MEMBER", "role": "member", "joined_on": "2026-01-02"}),
    )
    assert added.status_code == 302
    membership = Membership.objects.get(group__ref="G3", person=world.member_person)
    # Membership rights: her page and her membership of G3.
    assert client.get(url("person_detail", "P-MEMBER")).status_code == 200
    edit = client.post(
        url("membership_edit", "G3", membership.pk), {"role": "treasurer", "joined_on": "2026-01-02"}
    )
    assert edit.status_code == 302
    # Not her login, her details, her consent or her erasure.
    password = member.password
    assert client.post(url("account_reset", "P-MEMBER")).status_code == 403
    assert client.get(url("person_edit", "P-MEMBER")).status_code == 403
    assert (
        client.post(url("person_edit", "P-MEMBER"), {"full_name": "X", "area": world.village2.pk}).status_code
        == 403
    )
    assert client.post(url("person_erase", "P-MEMBER"), {"confirm": "on"}).status_code == 403
    member.refresh_from_db()
    assert member.password == password and Person.objects.get(pk=world.member_person.pk).erased_at is None
    page = client.get(url("person_detail", "P-MEMBER")).content.decode()
    assert url("account_reset", "P-MEMBER") not in page and url("person_edit", "P-MEMBER") not in page
    # The facilitator who looks after her keeps every right.
    client.force_login(facilitator)
    assert client.get(url("person_edit", "P-MEMBER")).status_code == 200
    assert client.post(url("account_reset", "P-MEMBER")).status_code == 200


def test_an_area_facilitator_looks_after_everyone_living_in_the_area(world):
    user = f.UserFactory(username="pendamping-desa")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=world.village2)
    lone = f.PersonFactory(ref="P-V2", area=world.village2)
    from groups.access import Scope

    scope = Scope(user)
    assert scope.write_person(lone)
    assert not scope.write_person(world.member_person)


# --- finding 10: a one-time password is one-time and expires ----------------------------------


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_finding_10_one_time_password_expires_after_seven_days(client, world):
    person = world.member2_person
    one_time = services.create_login(person=person)
    Person.objects.filter(pk=person.pk).update(
        password_issued_at=timezone.now() - dt.timedelta(days=7, hours=1)
    )
    response = login(client, one_time.username, one_time.password)
    assert response.status_code == 200
    assert "This one-time password has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Within the week it works, and sends the member to choose their own.
    Person.objects.filter(pk=person.pk).update(password_issued_at=timezone.now() - dt.timedelta(days=6))
    response = login(client, one_time.username, one_time.password)
    assert response.status_code == 302


def test_finding_10_a_session_opened_with_an_expired_one_time_password_ends(client, world):
    person = world.member2_person
    one_time = services.create_login(person=person)
    assert login(client, one_time.username, one_time.password).status_code == 302
    Person.objects.filter(pk=person.pk).update(password_issued_at=timezone.now() - dt.timedelta(days=8))
    response = client.get(url("home"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_finding_10_one_time_password_stops_at_first_use_once_chosen(client, world):
    person = world.member2_person
    one_time = services.create_login(person=person)
    assert login(client, one_time.username, one_time.password).status_code == 302
    chosen = client.post(
        url("account_password"), {"new_password1": "kebun-mangga-2026", "new_password2": "kebun-mangga-2026"}
    )
    assert chosen.status_code == 302
    person.refresh_from_db()
    assert (person.must_change_password, person.password_issued_at) == (False, None)
    client.logout()
    assert "_auth_user_id" not in login(client, one_time.username, one_time.password).wsgi_request.session
    assert login(client, one_time.username, "kebun-mangga-2026").status_code == 302


# --- finding 14: actors above a user's own areas are read-only for them ------------------------


@pytest.fixture
def regency_actor(world):
    regency = f.AreaFactory(ref="R", name="Kabupaten Wonosobo", level=AreaLevel.REGENCY)
    world.district.parent = regency
    world.district.save()
    return ExternalActor.objects.create(
        ref="DINSOS", name="Dinas Sosial", kind="government_agency", area=regency
    )


def test_finding_14_actors_above_the_users_areas_are_read_only(client, world, facilitator, regency_actor):
    client.force_login(facilitator)
    page = client.get(url("actor_list")).content.decode()
    assert "Dinas Sosial" in page and url("actor_edit", "DINSOS") not in page
    assert client.get(url("actor_edit", "DINSOS")).status_code == 403
    response = client.post(
        url("actor_edit", "DINSOS"), {"name": "X", "kind": "ngo", "area": world.village.pk}
    )
    assert response.status_code == 403
    create = client.post(
        url("actor_create"), {"name": "Bank Desa", "kind": "bank", "area": regency_actor.area_id}
    )
    assert create.status_code == 200 and not ExternalActor.objects.filter(name="Bank Desa").exists()
    assert ExternalActor.objects.get(ref="DINSOS").name == "Dinas Sosial"
    # Their own village's actors stay theirs.
    own = ExternalActor.objects.create(ref="KOP", name="Koperasi", kind="cooperative", area=world.village)
    assert client.get(url("actor_edit", own.ref)).status_code == 200
