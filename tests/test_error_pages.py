"""The error pages with DEBUG off (as in production): in the app's layout and language, each
with a way back to the home page. 500 and 503 need neither the database nor a request."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from groups import security

HOME = "/"

WORDS = {
    400: {"en": "This request could not be read", "id": "Permintaan ini tidak dapat dibaca"},
    403: {"en": "You may not do this", "id": "Anda tidak boleh melakukan ini"},
    404: {"en": "Page not found", "id": "Halaman tidak ditemukan"},
    500: {"en": "Something went wrong", "id": "Terjadi kesalahan"},
    503: {"en": "CommunityMap is temporarily unavailable", "id": "CommunityMap sedang tidak dapat dibuka"},
}
HOME_LINK = {"en": "Go to the home page", "id": "Ke halaman utama"}


def boom(request):
    raise ValueError("a bug")


def fine(request):
    return HttpResponse("ok")


# A URLconf with a view that fails, and the project's error handlers.
urlpatterns = [path("boom/", boom), path("", include("communitymap.urls"))]
handler400 = "groups.views.errors.bad_request"
handler403 = "groups.views.errors.permission_denied"
handler404 = "groups.views.errors.page_not_found"
handler500 = "groups.security.server_error"


def assert_error_page(response, status, language):
    assert response.status_code == status
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    assert WORDS[status][language] in body
    assert f'href="{HOME}"' in body and HOME_LINK[language] in body
    assert 'href="/static/css/site.css"' in body or "/static/css/site." in body
    assert 'rel="icon"' in body  # the browser asks for no missing /favicon.ico


@pytest.mark.parametrize("language", ["en", "id"])
def test_404_in_the_layout_with_a_way_home(client, db, language):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert_error_page(response, 404, language)
    assert 'class="topbar"' in response.content.decode()


@pytest.mark.parametrize("language", ["en", "id"])
def test_404_of_an_object_out_of_scope_shows_the_menu(client, other_facilitator, language):
    client.force_login(other_facilitator)
    response = client.get(reverse("groups:group_detail", args=["G1"]), HTTP_ACCEPT_LANGUAGE=language)
    assert_error_page(response, 404, language)
    assert 'class="mainnav"' in response.content.decode()  # still logged in, the menu is there


@pytest.mark.parametrize("language", ["en", "id"])
def test_403_in_the_layout_with_a_way_home(client, member, language):
    client.force_login(member)
    response = client.get(reverse("groups:account_reset", args=["P-MEMBER2"]), HTTP_ACCEPT_LANGUAGE=language)
    assert_error_page(response, 403, language)


@pytest.mark.parametrize("language", ["en", "id"])
def test_400_for_a_request_to_a_host_the_site_does_not_serve(db, language):
    client = Client(raise_request_exception=False)
    response = client.get(HOME, HTTP_HOST="other.example", HTTP_ACCEPT_LANGUAGE=language)
    assert_error_page(response, 400, language)


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_expired_form_says_so_in_the_app_words(db, language):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    body = response.content.decode()
    assert {"en": "This form has expired", "id": "Formulir ini sudah kedaluwarsa"}[language] in body
    assert HOME_LINK[language] in body


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize("language", ["en", "id"])
def test_500_in_the_slim_layout_with_a_way_home(db, language):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE=language)
    assert_error_page(response, 500, language)
    assert "a bug" not in response.content.decode()  # no details of the fault


@pytest.mark.parametrize("language", ["en", "id"])
def test_500_and_503_pages_need_no_database_and_no_request(rf, language):
    # No db fixture: pytest-django makes any query here raise.
    from django.utils import translation

    with translation.override(language):
        assert_error_page(security.database_unavailable_response(), 503, language)
        try:
            raise ValueError("a bug")
        except ValueError:
            assert_error_page(security.server_error(rf.get(HOME)), 500, language)
