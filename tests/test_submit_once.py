"""Every create form and the meeting sheet save once: a double click (two htmx posts of the
same form) and Back-and-resend (the same plain post again) save one record, and the second
post is sent to what the first one saved, saying so. Two sheets racing: one set saved."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from groups.models import (
    Activity,
    Exchange,
    ExternalActor,
    FormSubmission,
    Group,
    Membership,
    Norm,
    NormReview,
    Person,
)

from . import factories as f

HTMX = {"HTTP_HX_REQUEST": "true"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def sheet_data(world):
    return {
        "date": "2026-01-10",
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-giver": f"person:{world.member_person.ref}",
        "rows-0-receiver": f"person:{world.member2_person.ref}",
        "rows-0-resource": "money",
        "rows-0-amount": "50.000",
        "rows-1-giver": f"person:{world.member2_person.ref}",
        "rows-1-receiver": f"person:{world.member_person.ref}",
        "rows-1-resource": "labour",
    }


def cases(world):
    """(url, posted data, the queryset that must grow by one set, the saved thing's page)."""
    norm = f.NormFactory(group=world.group)
    newcomer = f.PersonFactory(ref="P-NEW", full_name="Bambang Wijaya", area=world.village)
    return {
        "group": (
            reverse("groups:group_create"),
            {"name": "Kelompok Tani Subur", "kind": "farmers", "area": world.village.pk,
             "how_formed": "facilitated"},
            Group.objects.filter(name="Kelompok Tani Subur"),
            lambda: reverse("groups:group_detail", args=[Group.objects.get(name="Kelompok Tani Subur").ref]),
        ),
        "person": (
            reverse("groups:person_create"),
            {"full_name": "Yohanes Kurniawan", "area": world.village.pk, "consent_given": "on",
             "consent_on": "2026-01-05", "different_person": "on"},
            Person.objects.filter(full_name="Yohanes Kurniawan"),
            lambda: reverse(
                "groups:person_detail", args=[Person.objects.get(full_name="Yohanes Kurniawan").ref]
            ),
        ),
        "membership_add": (
            reverse("groups:membership_add", args=["G1"]),
            {"person": newcomer.ref, "role": "member", "joined_on": "2026-01-05"},
            Membership.objects.filter(person__ref="P-NEW"),
            lambda: reverse("groups:group_detail", args=["G1"]),
        ),
        "membership_create": (
            reverse("groups:membership_create", args=["G1"]),
            {"full_name": "Yohanes Kurniawan", "area": world.village.pk, "consent_given": "on",
             "consent_on": "2026-01-05", "role": "member", "different_person": "on"},
            Membership.objects.filter(person__full_name="Yohanes Kurniawan"),
            lambda: reverse("groups:group_detail", args=["G1"]),
        ),
        "norm": (
            reverse("groups:norm_create", args=["G1"]),
            {"statement": "Datang tepat waktu.", "category": "reciprocity", "how_agreed": "consensus"},
            Norm.objects.filter(statement="Datang tepat waktu."),
            lambda: reverse(
                "groups:norm_detail", args=["G1", Norm.objects.get(statement="Datang tepat waktu.").ref]
            ),
        ),
        "norm_review": (
            reverse("groups:normreview_create", args=["G1", norm.ref]),
            {"reviewed_on": "2026-01-05", "rating": "4", "rated_by": "group_meeting"},
            NormReview.objects.filter(norm=norm),
            lambda: reverse("groups:norm_detail", args=["G1", norm.ref]),
        ),
        "actor": (
            reverse("groups:actor_create"),
            {"name": "Puskesmas Sumberejo", "kind": "health_service", "area": world.village.pk},
            ExternalActor.objects.filter(name="Puskesmas Sumberejo"),
            lambda: reverse("groups:actor_list"),
        ),
        "activity": (
            reverse("groups:activity_create", args=["G1"]),
            {"kind": "meeting", "date": "2026-01-05", "title": "Rapat bulanan",
             "attendees": [world.member_person.pk]},
            Activity.objects.filter(title="Rapat bulanan"),
            lambda: reverse(
                "groups:activity_detail", args=["G1", Activity.objects.get(title="Rapat bulanan").ref]
            ),
        ),
        "sheet": (
            reverse("groups:exchange_sheet", args=["G1"]),
            sheet_data(world),
            Exchange.objects.all(),
            lambda: reverse("groups:group_detail", args=["G1"]),
        ),
    }


FORMS = ["group", "person", "membership_add", "membership_create", "norm", "norm_review", "actor",
         "activity", "sheet"]
ONE_SET = {"sheet": 2}  # the sheet saves its two rows once


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMS)
def test_double_click_saves_once(client, world, facilitator, name):
    client.force_login(facilitator)
    url, data, saved, page = cases(world)[name]
    data = {**data, "token": str(uuid.uuid4())}
    first = client.post(url, data, **HTMX, **EN)
    second = client.post(url, data, **HTMX, **EN)
    assert first.status_code == second.status_code == 200
    assert saved.count() == ONE_SET.get(name, 1)
    assert first["HX-Redirect"] == second["HX-Redirect"] == page()


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMS)
def test_back_and_resend_says_already_saved_with_a_link(client, world, facilitator, name):
    client.force_login(facilitator)
    url, data, saved, page = cases(world)[name]
    data = {**data, "token": str(uuid.uuid4())}
    assert client.post(url, data, **EN).status_code == 302
    again = client.post(url, data, **EN)
    assert saved.count() == ONE_SET.get(name, 1)
    assert again.status_code == 302 and again["Location"] == page()
    shown = client.get(reverse("groups:group_list"), **EN).content.decode()
    assert "This was already saved, so nothing was saved twice. Here it is." in shown


@pytest.mark.django_db
def test_a_token_used_by_someone_else_saves_nothing_and_gives_a_new_form(client, world, facilitator):
    token = uuid.uuid4()
    FormSubmission.objects.create(token=token, user=f.UserFactory(), url="/secret/")
    client.force_login(facilitator)
    data = {"name": "Kelompok Baru", "kind": "farmers", "area": world.village.pk,
            "how_formed": "facilitated", "token": str(token)}
    response = client.post(reverse("groups:group_create"), data, follow=True, **EN)
    assert not Group.objects.filter(name="Kelompok Baru").exists()
    assert response.redirect_chain[0][0] == reverse("groups:group_create")
    assert "This form has already been used. Here is a new one." in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_token_is_refused_and_offers_a_fresh_one(client, world, facilitator):
    client.force_login(facilitator)
    data = {"name": "Kelompok Baru", "kind": "farmers", "area": world.village.pk, "token": "garbled"}
    response = client.post(reverse("groups:group_create"), data, **EN)
    assert response.status_code == 200
    assert not Group.objects.filter(name="Kelompok Baru").exists()
    html = response.content.decode()
    assert "This form is out of date." in html
    fresh = response.context["form"]["token"].value()
    assert uuid.UUID(str(fresh))  # a new, usable token is in the page


@pytest.mark.django_db
def test_a_failed_sheet_frees_its_token_for_the_corrected_sheet(client, world, facilitator):
    """Nothing saved: the same sheet, corrected, still saves."""
    client.force_login(facilitator)
    data = {**sheet_data(world), "token": str(uuid.uuid4())}
    wrong = client.post(reverse("groups:exchange_sheet", args=["G1"]), {**data, "rows-0-amount": "abc"}, **EN)
    assert wrong.status_code == 200 and not Exchange.objects.exists()
    assert client.post(reverse("groups:exchange_sheet", args=["G1"]), data, **EN).status_code == 302
    assert Exchange.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: real parallel writers")
def test_two_sheets_racing_save_one_set(world, facilitator):
    data = {**sheet_data(world), "token": str(uuid.uuid4())}
    url = reverse("groups:exchange_sheet", args=["G1"])
    barrier = threading.Barrier(2, timeout=60)

    def post(_i):
        try:
            client = Client()
            client.force_login(facilitator)
            barrier.wait()
            return client.post(url, data).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = list(pool.map(post, range(2)))
    assert codes == [302, 302]
    assert Exchange.objects.count() == 2
    assert FormSubmission.objects.count() == 1
