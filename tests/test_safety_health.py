"""/healthz, the 503 page while the database is away, and recovery when it returns."""

import contextlib
import socket
import sqlite3
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from groups import security

HOME = "/"


@contextlib.contextmanager
def database_down():
    """Make the real connection fail to open, as when the database server is stopped: on
    PostgreSQL the connection is pointed at a bound port nobody listens on; the in-memory
    SQLite test database cannot be closed without losing it, so opening a new one fails."""
    if connection.vendor == "postgresql":
        saved = dict(connection.settings_dict)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
            connection.close()
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(sock.getsockname()[1]))
            try:
                yield
            finally:
                connection.close()
                connection.settings_dict.clear()
                connection.settings_dict.update(saved)
    else:
        saved = connection.connection
        connection.connection = None
        refuse = sqlite3.OperationalError("unable to open database file")
        try:
            with mock.patch.object(connection, "get_new_connection", side_effect=refuse):
                yield
        finally:
            connection.connection = saved


def test_healthz_reports_ok_without_login_and_without_cookies(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["queue"]["status"]) == ("ok", "ok", "ok")
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert reverse("healthz") == "/healthz"


def test_healthz_only_reads(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get(HOME).status_code == 301


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_a_database_outage():
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "language, text",
    [("en", "CommunityMap is temporarily unavailable"), ("id", "CommunityMap sedang tidak dapat")],
)
def test_pages_answer_503_while_the_database_is_away_and_recover(language, text):
    from . import factories as f

    user = f.UserFactory(username="pendamping")
    # A middleware that reads request.user fails outside any view: handler500 answers then,
    # after Django's test client has been told of the exception; it must not re-raise it.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["django_language"] = language
    assert client.get(HOME).status_code == 200

    with database_down():
        response = client.get(HOME)
        login_page = Client(raise_request_exception=False).get("/accounts/login/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert text in body
    assert "pendamping" not in body  # no user details: nothing was looked up
    assert "Content-Security-Policy" in response.headers
    assert login_page.status_code in (200, 503)  # the login form itself needs no database

    # The database is back: the very next request is served, no restart needed.
    response = client.get(HOME)
    assert response.status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_the_admin_also_answers_503_during_an_outage(staff):
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    with database_down():
        response = client.get("/admin/groups/person/")
    assert response.status_code == 503
    assert client.get("/admin/groups/person/").status_code == 200


def test_the_503_page_needs_no_database():
    # No db fixture: pytest-django makes any query here raise.
    response = security.database_unavailable_response()
    assert response.status_code == 503
    assert b"<html" in response.content


def test_errors_outside_views_still_get_the_503_page(rf):
    request = rf.get(HOME)
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = security.server_error(request)
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        response = security.server_error(request)
    assert response.status_code == 500


def test_other_errors_are_not_disguised_as_outages(rf):
    middleware = security.DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(rf.get(HOME), ValueError("bug")) is None
    response = middleware.process_exception(rf.get(HOME), OperationalError("gone"))
    assert response.status_code == 503
