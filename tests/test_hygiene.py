"""Input hygiene and headers: refs from URLs, login names,
bidirectional control characters, names out of query strings, no caching of personal pages."""

import pytest
from django.urls import reverse

from groups.models import Group, Person
from groups.transfer import csvfiles, importer

from . import factories as f


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- finding 11: malformed refs and overlong login names answer 404 and a form error, not 500 ----


@pytest.mark.parametrize(
    "path",
    [
        "/groups/%00/",
        "/groups/G1%00/edit/",
        "/people/%00/",
        "/groups/G1/norms/%00/",
        "/groups/G1/activities/a%00b/",
        "/exchanges/%00/",
        "/reports/areas/%00/",
        "/actors/%00/edit/",
        "/groups/-G1/",
        "/groups/" + "G" * 65 + "/",
    ],
)
def test_finding_11_a_malformed_ref_in_a_url_is_not_found(client, facilitator, path):
    client.force_login(facilitator)
    assert client.get(path).status_code == 404


def test_finding_11_a_valid_ref_still_opens_its_page(client, facilitator):
    client.force_login(facilitator)
    assert client.get("/groups/G1/").status_code == 200


def test_finding_11_an_overlong_login_name_is_a_form_error(client, db):
    response = client.post(reverse("login"), {"username": "a" * 300, "password": "x"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    response = client.post(reverse("login"), {"username": "\x00abc", "password": "x"})
    assert response.status_code == 200


# --- finding 12: no copy of an authenticated response in any cache -----------------------------


def test_finding_12_authenticated_pages_fragments_and_downloads_are_not_stored(client, facilitator, world):
    client.force_login(facilitator)
    responses = [
        client.get(reverse("groups:group_detail", args=["G1"])),
        client.get(reverse("groups:group_list"), HTTP_HX_REQUEST="true"),
        client.get(reverse("groups:export_download"), {"area": "V1"}),
    ]
    assert responses[2]["Content-Type"] == "application/zip"
    for response in responses:
        assert response.status_code == 200
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives


# --- finding 15: bidirectional control characters --------------------------------------------

BIDI = "\u202e"


def test_finding_15_bidi_characters_are_refused_in_names_and_short_texts(client, facilitator, world):
    client.force_login(facilitator)
    response = client.post(
        reverse("groups:person_create"),
        {"full_name": f"Sri {BIDI}inayadnaH", "area": world.village.pk},
    )
    assert response.status_code == 200
    assert "invisible characters that change the direction of text" in response.content.decode()
    assert not Person.objects.filter(full_name__contains=BIDI).exists()
    response = client.post(
        reverse("groups:group_edit", args=["G1"]),
        {
            "name": "Arisan \u2067RT\u2069",
            "kind": "arisan",
            "area": world.village.pk,
            "how_formed": "spontaneous",
        },
    )
    assert "invisible characters that change the direction of text" in response.content.decode()
    assert Group.objects.get(ref="G1").name == "Arisan RT 03"


def test_finding_15_the_importer_refuses_them_too(world):
    blobs = {"people.csv": f"ref,name,area_ref\nP-X,Sri {BIDI}x,V1\n".encode()}
    plan = importer.import_community(csvfiles.read_files(blobs))
    assert [(p.file, p.column) for p in plan.problems] == [("people.csv", "name")]
    assert not Person.objects.filter(ref="P-X").exists()


# --- finding 16: the names typed into a search travel in request bodies, not in URLs ------------


def test_finding_16_searches_as_you_type_go_by_post(client, facilitator, world):
    client.force_login(facilitator)
    pages = {
        "groups:membership_add": (reverse("groups:membership_add", args=["G1"]), "groups:membership_search"),
        "groups:person_list": (reverse("groups:person_list"), "groups:person_list"),
    }
    for page_url, search_name in pages.values():
        page = client.get(page_url).content.decode()
        search_url = (
            reverse(search_name, args=["G1"]) if search_name == "groups:membership_search" else page_url
        )
        assert f'hx-post="{search_url}"' in page and 'hx-get="' not in page
    f.PersonFactory(ref="P-SARI", full_name="Sari Wulandari", area=world.village)
    found = client.post(
        reverse("groups:membership_search", args=["G1"]), {"q": "Sari"}, HTTP_HX_REQUEST="true"
    )
    assert found.status_code == 200 and "Sari Wulandari" in found.content.decode()
    assert "<html" not in found.content.decode()
    add_form = found.content.decode().split('class="inline-add"', 1)[0].rsplit("<form", 1)[1]
    assert "?q=" not in add_form  # adding from the results keeps the name out of the address too
    listed = client.post(reverse("groups:person_list"), {"q": "Siti"}, HTTP_HX_REQUEST="true")
    assert listed.status_code == 200 and "Siti Maryati" in listed.content.decode()


def test_finding_16_the_exchange_party_search_goes_by_post(client, member, world):
    client.force_login(member)
    page = client.get(reverse("groups:exchange_create")).content.decode()
    assert 'hx-post="/exchanges/new/parties/"' in page and 'hx-get="/exchanges/new/parties/"' not in page
    found = client.post(reverse("groups:exchange_party_search"), {"q": "Siti"}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200 and "Siti" in found.content.decode()
