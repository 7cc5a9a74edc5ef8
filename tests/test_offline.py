"""Working with no signal, the server's side: the service worker served from the root, the
manifest, the "you are offline" page, the list of pages a user may keep, and which answers
a phone may keep at all (only the pages meant to open offline; never fragments or others)."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from groups.views.offline import offline_key

from . import factories as f

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def cache_directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


# --- the service worker and the manifest ----------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in cache_directives(response)
    first_line, code = response.content.decode().split("\n", 1)
    assert first_line.startswith("self.CM_OFFLINE = ")
    shell = json.loads(first_line.removeprefix("self.CM_OFFLINE = ").rstrip(";"))
    assert shell["offline"] == "/offline/"
    assert "/static/css/site.css" in shell["static"]
    assert len(shell["version"]) == 12
    with open(finders.find("js/sw.js"), encoding="utf-8") as source:
        assert code == source.read()  # the code itself is the static file, unchanged


def test_every_file_the_worker_keeps_exists(client, db):
    first_line = client.get("/sw.js").content.decode().split("\n", 1)[0]
    shell = json.loads(first_line.removeprefix("self.CM_OFFLINE = ").rstrip(";"))
    for url in shell["static"]:
        assert finders.find(url.removeprefix("/static/")), url


def test_the_service_worker_answers_only_get(client, db):
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405
    assert client.post("/offline/").status_code == 405


def test_the_manifest_names_the_app_in_the_users_language(client, db):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="id")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["start_url"] == "/"
    assert data["display"] == "standalone"
    assert data["description"] == "Kelompok informal, norma mereka, dan bantuan yang mengalir antarwarga."
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_every_page_links_the_manifest_and_the_offline_script(client, member):
    client.force_login(member)
    html = client.get(reverse("groups:home"), **EN).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "/static/js/offline.js" in html
    assert f'data-offline-user="{offline_key(member)}"' in html


# --- the offline page -------------------------------------------------------------------------------


def test_the_offline_page_says_the_page_needs_the_network_and_names_nobody(client, member):
    client.force_login(member)
    response = client.get("/offline/", **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "You are offline" in html
    assert "This page needs the network." in html
    assert "Sri Handayani" not in html and "anggota" not in html
    assert "no-store" not in cache_directives(response)  # the worker keeps it


def test_the_offline_page_in_indonesian(client, db):
    html = client.get("/offline/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Anda sedang tidak tersambung" in html


# --- which pages a user may keep ------------------------------------------------------------------


def test_offline_pages_need_a_login(client, db):
    response = client.get("/offline/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_keeps_their_log_form_and_exchanges(client, member):
    client.force_login(member)
    data = client.get("/offline/pages/").json()
    assert data == {"user": offline_key(member), "urls": ["/exchanges/new/", "/exchanges/"]}


def test_a_facilitator_keeps_the_group_list_and_the_sheets_of_their_groups_only(client, facilitator, world):
    client.force_login(facilitator)
    data = client.get("/offline/pages/").json()
    assert data["urls"] == ["/groups/", "/groups/G1/sheet/"]  # not G2 (another village), not H


def test_a_coordinator_keeps_the_group_list_but_no_sheet(client, coordinator, world):
    client.force_login(coordinator)
    assert client.get("/offline/pages/").json()["urls"] == ["/groups/"]


def test_users_get_different_keys(member, member2):
    assert offline_key(member) != offline_key(member2)
    assert len(offline_key(member)) == 20
    assert offline_key(None) == ""


# --- what a phone may keep --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/exchanges/new/", "/exchanges/"])
def test_a_members_offline_pages_may_be_kept_but_are_asked_again(client, member, url):
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert cache_directives(response) == {"private", "no-cache"}
    assert "Cookie" in response["Vary"]


def test_the_facilitators_sheet_and_group_list_may_be_kept(client, facilitator, world):
    client.force_login(facilitator)
    for url in ("/groups/", "/groups/G1/sheet/"):
        assert cache_directives(client.get(url)) == {"private", "no-cache"}, url


def test_other_pages_fragments_posts_and_errors_stay_no_store(client, facilitator, member, world):
    client.force_login(facilitator)
    answers = [
        client.get("/groups/G1/"),  # a page not meant for offline use
        client.get("/groups/", HTTP_HX_REQUEST="true"),  # a fragment of a kept page
        client.post("/groups/G1/sheet/", {}),  # a post answered with errors
        client.get("/groups/H/sheet/"),  # another group's sheet: 404
        client.get("/offline/pages/"),
    ]
    client.force_login(member)
    answers.append(client.get("/groups/G1/sheet/"))  # a member may not open the sheet: 403
    for response in answers:
        assert {"no-store", "private"} <= cache_directives(response), response.status_code


def test_logging_out_clears_the_browsers_cache_of_the_site(client, member):
    client.force_login(member)
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache"'


# --- the log form's names, kept for the search with no signal ----------------------------------


def test_the_log_form_keeps_everyone_the_member_may_choose_and_nobody_else(client, member, world):
    unconsented = f.PersonFactory(full_name="Belum Setuju", area=world.village, consent_on=None)
    f.MembershipFactory(person=unconsented, group=world.group)
    actor = f.ActorFactory(name="Koperasi Maju", area=world.village)
    outside = f.ActorFactory(name="Dinas Jauh", area=world.other_village)
    client.force_login(member)
    html = client.get("/exchanges/new/", **EN).content.decode()
    kept = html.split('<template id="party-all">', 1)[1].split("</template>", 1)[0]
    assert 'value="person:P-MEMBER2"' in kept and "Siti Maryati" in kept
    assert f'value="actor:{actor.ref}"' in kept
    assert "Belum Setuju" not in kept  # no consent: not choosable, not in the page
    assert outside.name not in kept and "Orang Lain" not in kept  # outside the member's scope
    assert "P-MEMBER\"" not in kept  # not oneself


# --- light pages ------------------------------------------------------------------------------------


def test_pages_and_fragments_are_sent_compressed(client, member):
    client.force_login(member)
    page = client.get("/exchanges/new/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    plain = client.get("/exchanges/new/")
    assert "Content-Encoding" not in plain
    assert len(page.content) < len(plain.content) / 3


def test_static_files_are_answered_before_the_page_only_middleware(settings):
    order = [path.rsplit(".", 1)[1] for path in settings.MIDDLEWARE]
    assert order[0] == "GZipMiddleware"  # compresses what all the others produced
    assert order.index("WhiteNoiseMiddleware") < order.index("CSPMiddleware")
    assert order.index("WhiteNoiseMiddleware") < order.index("SessionMiddleware")


def test_brotli_is_installed_so_whitenoise_serves_br_files():
    from whitenoise.compress import Compressor

    assert Compressor(quiet=True).use_brotli


def test_chart_styles_load_only_on_report_pages(client, coordinator, world):
    client.force_login(coordinator)
    assert "/static/css/charts.css" in client.get("/reports/areas/D/").content.decode()
    assert "/static/css/charts.css" not in client.get("/groups/").content.decode()
