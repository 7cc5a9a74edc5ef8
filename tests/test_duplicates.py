"""Possible duplicates are shown before a person is registered: one name rule (groups/names.py)
tested on hand-picked pairs, then the registration pages through their URLs."""

import pytest
from django.urls import reverse

from groups.models import Membership, Person
from groups.names import name_key, similar

from . import factories as f
from .factories import once

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

SAME = [
    ("Sri Handayani", "Sry Handayani"),
    ("Sri Handayani", "SRI  handayani"),
    ("Bu Sri Handayani", "Sri Handayani"),
    ("Soekarno", "Sukarno"),
    ("Djoko Santoso", "Joko Santoso"),
    ("Tjipto Mangunkusumo", "Cipto Mangunkusumo"),
    ("Chairul Anwar", "Khairul Anwar"),
    ("Muhammad Rizki", "Muhamad Rizky"),
    ("Jusuf", "Yusuf"),
    ("Siti Nurhaliza", "Siti Nurhalizah"),
]
DIFFERENT = [
    ("Sri Handayani", "Siti Maryati"),
    ("Sri Handayani", "Sri Wahyuni"),
    ("Agus Salim", "Agung Salam"),
    ("Budi", "Bambang"),
    ("", "Budi"),
]


@pytest.mark.parametrize("a, b", SAME)
def test_spellings_of_one_name_are_similar(a, b):
    assert similar(a, b) and similar(b, a)


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_names_are_not(a, b):
    assert not similar(a, b)


def test_the_key_writes_a_name_as_it_sounds():
    assert name_key("  Pak  DJOKO  Soeharto ") == name_key("joko suharto") == "yoko suharto"


def post_person(**extra):
    return once({"full_name": "Sry Handajani", "consent_given": "on", "consent_on": "2026-01-05", **extra})


@pytest.mark.django_db
def test_registering_a_similar_name_in_the_same_village_shows_them_first(client, world, facilitator):
    client.force_login(facilitator)
    url = reverse("groups:membership_create", args=["G1"])
    response = client.post(url, post_person(area=world.village.pk, role="member"), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone with a similar name is already known. Is it one of them?" in html
    assert "Sri Handayani" in html and "This is them: add them" in html
    assert "A different person: register them" in html
    assert Person.objects.filter(full_name="Sry Handajani").count() == 0


@pytest.mark.django_db
def test_same_birth_year_elsewhere_is_shown_too(client, world, facilitator):
    world.member_person.birth_year = 1962
    world.member_person.area = world.village2
    world.member_person.save()
    client.force_login(facilitator)
    data = post_person(area=world.village.pk, role="member", birth_year="1962")
    response = client.post(reverse("groups:membership_create", args=["G1"]), data, **EN)
    assert "born 1962" in response.content.decode()
    assert not Person.objects.filter(full_name="Sry Handajani").exists()


@pytest.mark.django_db
def test_a_different_person_is_registered_when_the_facilitator_says_so(client, world, facilitator):
    client.force_login(facilitator)
    data = post_person(area=world.village.pk, role="member", different_person="on")
    response = client.post(reverse("groups:membership_create", args=["G1"]), data, **EN)
    assert response.status_code == 302
    person = Person.objects.get(full_name="Sry Handajani")
    assert Membership.objects.filter(person=person, group=world.group).exists()


@pytest.mark.django_db
def test_a_name_unlike_anyone_known_is_registered_at_once(client, world, facilitator):
    client.force_login(facilitator)
    data = post_person(area=world.village.pk, role="member", full_name="Yohanes Kurniawan")
    assert client.post(reverse("groups:membership_create", args=["G1"]), data, **EN).status_code == 302


@pytest.mark.django_db
def test_people_the_user_may_not_see_are_never_offered(client, world, facilitator):
    """A similar name in a village out of scope stays hidden: no name leaks through the warning."""
    f.PersonFactory(full_name="Sri Handajani", area=world.other_village, birth_year=1970)
    client.force_login(facilitator)
    data = post_person(area=world.village.pk, role="member", full_name="Sri Handayanii", birth_year="1970")
    html = client.post(reverse("groups:membership_create", args=["G1"]), data, **EN).content.decode()
    assert "Desa Lain" not in html


@pytest.mark.django_db
def test_the_person_page_warns_too_and_opens_the_known_person(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(reverse("groups:person_create"), post_person(area=world.village.pk), **EN)
    html = response.content.decode()
    assert "This is them: open" in html
    assert reverse("groups:person_detail", args=[world.member_person.ref]) in html


@pytest.mark.django_db
def test_search_comes_before_registration_and_the_village_is_prefilled(client, world, facilitator):
    client.force_login(facilitator)
    add = client.get(reverse("groups:membership_add", args=["G1"]), **EN).content.decode()
    assert reverse("groups:membership_create", args=["G1"]) not in add
    searched = client.get(reverse("groups:membership_add", args=["G1"]), {"q": "zzz"}, **EN)
    assert "Not found: register a new person" in searched.content.decode()
    new = client.get(reverse("groups:membership_create", args=["G1"]), {"q": "zzz"}, **EN)
    assert new.context["form"]["area"].value() == world.village.pk
