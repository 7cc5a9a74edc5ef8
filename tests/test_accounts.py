"""Logins for members without email: a one-time password the facilitator reads out, shown
once; at the first login the member must choose their own password before anything else."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from groups.models import Person
from groups.services import registry as services

from . import factories as f

HTMX = {"HTTP_HX_REQUEST": "true"}
ONE_TIME = re.compile(r"^[a-z]+-[a-z]+-\d{4}$")
User = get_user_model()


def url(name, *args):
    return reverse(f"groups:{name}", args=args)


def credentials(response) -> tuple[str, str]:
    login = response.context["login"]
    return login.username, login.password


@pytest.fixture
def siti(world):
    """A member of the facilitator's group without a login yet, consent recorded."""
    return world.member2_person


# --- the usual rules --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["account_create", "account_reset"])
def test_anonymous_is_sent_to_login(client, world, name):
    response = client.get(url(name, "P-MEMBER2"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_anonymous_password_page_is_sent_to_login(client, db):
    response = client.get(url("account_password"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["account_create", "account_reset"])
def test_other_methods_are_refused(client, facilitator, name):
    client.force_login(facilitator)
    assert client.put(url(name, "P-MEMBER2")).status_code == 405
    assert client.delete(url(name, "P-MEMBER2")).status_code == 405


def test_password_page_refuses_other_methods(client, facilitator):
    client.force_login(facilitator)
    assert client.put(url("account_password")).status_code == 405


@pytest.mark.parametrize("name", ["account_create", "account_reset"])
def test_outsider_gets_404(client, other_facilitator, name):
    client.force_login(other_facilitator)
    assert client.get(url(name, "P-MEMBER2")).status_code == 404
    assert client.post(url(name, "P-MEMBER2")).status_code == 404


@pytest.mark.parametrize("name", ["account_create", "account_reset"])
def test_coordinator_and_member_get_403(client, coordinator, member, name):
    for user in (coordinator, member):
        client.force_login(user)
        assert client.get(url(name, "P-MEMBER2")).status_code == 403
        assert client.post(url(name, "P-MEMBER2")).status_code == 403
    assert User.objects.count() == 2


@pytest.mark.parametrize("name", ["account_create", "account_reset", "account_password"])
def test_htmx_gets_a_fragment(client, facilitator, name):
    client.force_login(facilitator)
    address = url(name) if name == "account_password" else url(name, "P-MEMBER2")
    response = client.get(address, **HTMX)
    assert response.status_code == 200 and b"<html" not in response.content


# --- creating a login -------------------------------------------------------------------------


def test_create_login_shows_a_one_time_password_once(client, facilitator, siti):
    client.force_login(facilitator)
    assert client.get(url("account_create", siti.ref)).status_code == 200
    assert not User.objects.filter(person=siti).exists()  # a GET creates nothing
    response = client.post(url("account_create", siti.ref))
    username, password = credentials(response)
    assert username == "siti.maryati" and ONE_TIME.match(password)
    body = response.content.decode()
    assert username in body and password in body
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    siti.refresh_from_db()
    assert siti.user.username == username and siti.must_change_password
    assert siti.user.check_password(password)
    assert password not in siti.user.password  # only the hash is kept
    # Nothing of it is left for the next page.
    assert password not in client.get(url("person_detail", siti.ref)).content.decode()


def test_create_login_twice_gives_a_clear_message(client, facilitator, siti):
    client.force_login(facilitator)
    client.post(url("account_create", siti.ref))
    again = client.post(url("account_create", siti.ref))
    assert again.status_code == 200 and again.context["error"] and again.context["login"] is None
    assert User.objects.filter(username__startswith="siti").count() == 1


def test_create_login_needs_consent(client, facilitator, siti):
    siti.consent_on = None
    siti.save()
    client.force_login(facilitator)
    response = client.post(url("account_create", siti.ref))
    assert response.status_code == 200 and response.context["error"]
    assert b"errorlist" in response.content
    siti.refresh_from_db()
    assert siti.user is None and User.objects.count() == 1


def test_username_is_made_unique(client, world, facilitator, siti):
    f.UserFactory(username="siti.maryati")
    f.UserFactory(username="siti.maryati2")
    client.force_login(facilitator)
    username, _password = credentials(client.post(url("account_create", siti.ref)))
    assert username == "siti.maryati3"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Sri Handayani", "sri.handayani"),
        ("  Ni Luh  Putu Ayu ", "ni.luh.putu.ayu"),
        ("Dédé O'Neil-Saputra", "dede.o.neil.saputra"),
        ("!!!", "anggota"),
        ("阿", "anggota"),
        ("A" * 60, "a" * 30),
    ],
)
def test_username_base(name, expected):
    assert services.username_base(name) == expected


def test_one_time_passwords_differ_and_are_readable():
    passwords = {services.generate_one_time_password() for _ in range(50)}
    assert len(passwords) > 45
    assert all(ONE_TIME.match(p) for p in passwords)


def test_create_login_race_is_refused(world, siti):
    """If someone else gave the person a login meanwhile, no second login is made."""
    stale = Person.objects.get(pk=siti.pk)  # loaded before the other login was made
    services.create_login(person=siti)
    with pytest.raises(services.LoginNotAllowed):
        services.create_login(person=stale)
    assert User.objects.filter(username__startswith="siti").count() == 1


# --- resetting ----------------------------------------------------------------------------------


def test_reset_gives_a_new_one_time_password(client, facilitator, member, world):
    client.force_login(facilitator)
    response = client.post(url("account_reset", "P-MEMBER"))
    username, password = credentials(response)
    assert username == "anggota" and ONE_TIME.match(password)
    member.refresh_from_db()
    assert member.check_password(password) and not member.check_password(f.TEST_PASSWORD)
    world.member_person.refresh_from_db()
    assert world.member_person.must_change_password


def test_reset_without_login_is_a_message(client, facilitator, siti):
    client.force_login(facilitator)
    response = client.post(url("account_reset", siti.ref))
    assert response.status_code == 200 and response.context["error"]
    assert User.objects.count() == 1


def test_reset_never_touches_a_colleagues_account(client, world, facilitator):
    """A person record linked to a facilitator's login: resetting it would hand over the account."""
    colleague = f.UserFactory(username="rekan")
    world.group2.facilitators.add(colleague)
    world.member2_person.user = colleague
    world.member2_person.save()
    client.force_login(facilitator)
    assert client.get(url("account_reset", "P-MEMBER2")).status_code == 403
    assert client.post(url("account_reset", "P-MEMBER2")).status_code == 403
    colleague.refresh_from_db()
    assert colleague.check_password(f.TEST_PASSWORD)
    staff_user = f.UserFactory(username="boss", is_staff=True)
    assert not services.is_member_login(staff_user)


def test_person_page_offers_the_right_login_action(client, facilitator, member, world):
    client.force_login(facilitator)
    with_login = client.get(url("person_detail", "P-MEMBER")).content.decode()
    assert f'href="{url("account_reset", "P-MEMBER")}"' in with_login
    assert f'href="{url("account_create", "P-MEMBER")}"' not in with_login
    without = client.get(url("person_detail", "P-MEMBER2")).content.decode()
    assert f'href="{url("account_create", "P-MEMBER2")}"' in without
    assert f'href="{url("account_reset", "P-MEMBER2")}"' not in without


# --- the first login ----------------------------------------------------------------------------


@pytest.fixture
def one_time(client, facilitator, siti):
    """Siti's username and one-time password, created by the facilitator; client logged out."""
    client.force_login(facilitator)
    username, password = credentials(client.post(url("account_create", siti.ref)))
    client.logout()
    return username, password


def test_first_login_must_choose_a_password_before_anything_else(client, world, one_time, siti):
    username, password = one_time
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    home = client.get(url("home"))
    assert home.status_code == 302 and home["Location"] == url("account_password")
    assert client.get(url("group_detail", "G1"))["Location"] == url("account_password")
    assert client.get(url("home"), **HTMX)["HX-Redirect"] == url("account_password")
    page = client.get(url("account_password"))
    assert page.status_code == 200 and page.context["must_change"]
    assert "old_password" not in page.context["form"].fields
    # Logging out and switching language stay possible.
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    new_password = "Sawah-hijau-2026-kita"
    done = client.post(
        url("account_password"), {"new_password1": new_password, "new_password2": new_password}
    )
    assert done["Location"] == url("home")
    siti.refresh_from_db()
    assert not siti.must_change_password and siti.user.check_password(new_password)
    assert client.get(url("home")).status_code == 200  # still logged in


@pytest.mark.parametrize(
    "first, second, field",
    [
        ("Sawah-hijau-2026", "Sawah-hijau-2027", "new_password2"),
        ("password", "password", "new_password2"),
        ("12345678901", "12345678901", "new_password2"),
        ("", "", "new_password1"),
    ],
)
def test_choose_password_bad_input(client, world, one_time, siti, first, second, field):
    username, password = one_time
    client.post(reverse("login"), {"username": username, "password": password})
    response = client.post(url("account_password"), {"new_password1": first, "new_password2": second})
    assert response.status_code == 200 and field in response.context["form"].errors
    siti.refresh_from_db()
    assert siti.must_change_password and siti.user.check_password(password)


def test_logout_is_allowed_before_choosing(client, world, one_time):
    username, password = one_time
    client.post(reverse("login"), {"username": username, "password": password})
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] != url("account_password")


def test_password_change_later_needs_the_old_password(client, member):
    client.force_login(member)
    form = client.get(url("account_password")).context["form"]
    assert "old_password" in form.fields
    wrong = client.post(
        url("account_password"),
        {"old_password": "nope", "new_password1": "Kopi-tubruk-99x", "new_password2": "Kopi-tubruk-99x"},
    )
    assert wrong.status_code == 200 and "old_password" in wrong.context["form"].errors
    member.refresh_from_db()
    assert member.check_password(f.TEST_PASSWORD)
    right = client.post(
        url("account_password"),
        {
            "old_password": f.TEST_PASSWORD,
            "new_password1": "Kopi-tubruk-99x",
            "new_password2": "Kopi-tubruk-99x",
        },
    )
    assert right.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Kopi-tubruk-99x")
