"""Production settings, security headers, login throttling, sessions and passwords."""

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from . import factories as f

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/accounts/login/"


def deploy_check(**overrides) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` as production runs it: DEBUG off, a long key, real hosts."""
    env = {
        key: value
        for key, value in os.environ.items()
        # the test runner's own relaxations (make test sets some) are not production's
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DEBUG", "TESTING", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="communitymap.example.org",
        CSRF_TRUSTED_ORIGINS="https://communitymap.example.org",
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_production_settings_pass_the_deploy_check():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_does_catch_a_weakened_setting():
    # The check above would be worthless if a missing protection went unnoticed.
    result = deploy_check(SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="false")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W012" in result.stderr + result.stdout


def test_debug_off_without_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# --- headers ------------------------------------------------------------------------------


EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    return directives


@pytest.mark.parametrize("url", [LOGIN, "/healthz", "/admin/login/"])
def test_security_headers_on_every_kind_of_page(client, db, url):
    response = client.get(url, secure=True)
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_pages_carry_no_inline_script_or_style(client, world, member):
    """The CSP blocks inline code, so the pages must not need any: htmx comes as a file and
    its indicator styles from site.css (htmx-config includeIndicatorStyles false)."""
    client.force_login(member)
    body = client.get(reverse("groups:home")).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in body
    assert '"includeIndicatorStyles": false' in body
    for forbidden in ("<script>", "<style", " style=", " onclick=", " onload=", "javascript:"):
        assert forbidden not in body, forbidden


# --- login throttling -----------------------------------------------------------------------


@pytest.fixture
def villager(db):
    return f.UserFactory(username="warga")


def attempt(client, username, password, address="10.20.30.40"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_that_username_from_that_address(client, villager):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "warga", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = attempt(client, "warga", "wrong")
    assert response.status_code == 429
    # Locked: even the right password is refused until the cool-off ends.
    response = attempt(client, "warga", f.TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("language, text", [("en", "Too many login attempts"), ("id", "Terlalu banyak")])
def test_lockout_page_is_translated_and_says_when_to_retry(client, villager, language, text):
    client.cookies["django_language"] = language
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, "warga", "wrong")
    body = response.content.decode()
    assert response.status_code == 429
    assert text in body
    assert "15" in body  # minutes to wait


def test_neighbours_on_the_same_carrier_address_are_not_locked(client, villager):
    f.UserFactory(username="tetangga")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "warga", "wrong")
    # Another villager behind the same carrier address logs in normally...
    response = attempt(client, "tetangga", f.TEST_PASSWORD)
    assert response.status_code == 302
    # ...and so does the locked username from another address.
    client.logout()
    response = attempt(client, "warga", f.TEST_PASSWORD, address="10.99.0.1")
    assert response.status_code == 302


def test_lock_lifts_by_itself_after_the_cool_off(client, villager):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "warga", "wrong")
    assert attempt(client, "warga", f.TEST_PASSWORD).status_code == 429
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    response = attempt(client, "warga", f.TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(villager.pk)


def test_a_success_resets_the_failure_count(client, villager):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "warga", "wrong")
    assert attempt(client, "warga", f.TEST_PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "warga", "wrong").status_code == 200
    assert attempt(client, "warga", f.TEST_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "1.1.1.1", "10.0.0.9"),  # no proxy configured: the header is the client's word
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the address our proxy appended
        (1, "", "10.0.0.9"),
        (1, "not-an-address", "10.0.0.9"),
        (2, "6.6.6.6, 1.1.1.1, 10.1.1.1", "1.1.1.1"),
    ],
)
def test_client_address_behind_trusted_proxies(rf, settings, proxies, forwarded, expected):
    from groups.security import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- sessions and passwords -------------------------------------------------------------------


def test_session_cookie_is_secure_http_only_and_expires(client, villager):
    response = client.post(LOGIN, {"username": "warga", "password": f.TEST_PASSWORD}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"]  # a browser-session cookie: gone when the browser closes
    session = Session.objects.get()
    lifetime = session.expire_date - timezone.now()
    assert dt.timedelta(hours=7, minutes=59) < lifetime <= dt.timedelta(hours=8)
    csrf = response.cookies.get(settings.CSRF_COOKIE_NAME)
    assert csrf is None or (csrf["secure"] and csrf["httponly"])


def test_an_expired_session_logs_out(client, villager):
    client.force_login(villager)
    assert client.get(reverse("groups:home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("groups:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize("password", ["12345678", "password1", "warga2026", "short"])
def test_weak_passwords_are_refused(villager, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=villager)


def test_a_long_passphrase_is_accepted(villager):
    assert validate_password("kopi tubruk di pos ronda", user=villager) is None
