"""Bad input (hypothesis): random data posted to every form as a user allowed to use it, and
random files to the importer, never gives a 500 and never saves half a record.

Each form's fields are read from its page (so a new field is fuzzed without editing this
file); values are drawn from the field's own options, from junk (any Unicode, NUL, huge and
negative numbers, impossible dates, markup) or left out. After a post that did not succeed
(no redirect) the database must be exactly as before; after one that did, every row it
added or changed must pass its model's validation.
"""

import functools
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import ScoreSnapshot
from groups.transfer.csvfiles import COLUMNS

from .test_safety_urls import Refs, project_patterns, refs  # noqa: F401  (the fixture)

# Every form and filter, a dozen random inputs each: minutes in all, so `make test` runs it and
# `make test-fast` does not.
pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# url name -> (persona, url kwargs from the refs)
FORMS = {
    "groups:group_create": ("facilitator", lambda r: {}),
    "groups:group_edit": ("facilitator", lambda r: {"ref": r.group}),
    "groups:membership_add": ("facilitator", lambda r: {"ref": r.group}),
    "groups:membership_search": ("facilitator", lambda r: {"ref": r.group}),
    "groups:person_list": ("coordinator", lambda r: {}),
    "groups:exchange_party_search": ("member", lambda r: {}),
    "groups:membership_create": ("facilitator", lambda r: {"ref": r.group}),
    "groups:membership_edit": ("facilitator", lambda r: {"ref": r.group, "membership_id": r.membership_id}),
    "groups:membership_end": ("facilitator", lambda r: {"ref": r.group, "membership_id": r.membership_id}),
    "groups:norm_create": ("facilitator", lambda r: {"ref": r.group}),
    "groups:norm_edit": ("facilitator", lambda r: {"ref": r.group, "norm_ref": r.norm}),
    "groups:norm_retire": ("facilitator", lambda r: {"ref": r.group, "norm_ref": r.norm}),
    "groups:normreview_create": ("facilitator", lambda r: {"ref": r.group, "norm_ref": r.norm}),
    "groups:activity_create": ("facilitator", lambda r: {"ref": r.group}),
    "groups:activity_edit": ("facilitator", lambda r: {"ref": r.group, "activity_ref": r.activity}),
    "groups:exchange_sheet": ("facilitator", lambda r: {"ref": r.group}),
    "groups:exchange_sheet_row": ("facilitator", lambda r: {"ref": r.group}),
    "groups:person_create": ("facilitator", lambda r: {}),
    "groups:person_edit": ("facilitator", lambda r: {"ref": r.person}),
    "groups:person_erase": ("facilitator", lambda r: {"ref": r.new_person}),
    "groups:account_create": ("facilitator", lambda r: {"ref": r.new_person}),
    "groups:account_reset": ("facilitator", lambda r: {"ref": r.person}),
    "groups:actor_create": ("facilitator", lambda r: {}),
    "groups:actor_edit": ("facilitator", lambda r: {"ref": r.actor}),
    "groups:account_password": ("member", lambda r: {}),
    "groups:exchange_create": ("member", lambda r: {}),
    "groups:exchange_confirm": ("member", lambda r: {"ref": r.exchange}),
    "groups:exchange_dispute": ("member", lambda r: {"ref": r.exchange}),
    "groups:import_confirm": ("facilitator", lambda r: {"token": r.token}),
    "groups:report_dashboard_retry": ("coordinator", lambda r: {"ref": "D"}),
    "groups:report_group_retry": ("facilitator", lambda r: {"ref": r.group}),
    "groups:report_person_retry": ("member", lambda r: {"ref": r.person}),
    "groups:fund_create": ("facilitator", lambda r: {"ref": r.group}),
    "groups:fund_meeting": ("facilitator", lambda r: {"ref": r.group}),
    "groups:fund_meeting_cash": ("facilitator", lambda r: {"ref": r.group}),
    "groups:fund_meeting_row": ("facilitator", lambda r: {"ref": r.group}),
    "groups:fund_rotation": ("facilitator", lambda r: {"ref": r.group, "fund_ref": r.fund}),
    "groups:fund_share_out": ("facilitator", lambda r: {"ref": r.group, "fund_ref": r.fund}),
    "groups:fund_cycle_dates": ("facilitator", lambda r: {"ref": r.group, "fund_ref": r.fund}),
    "login": ("anonymous", lambda r: {}),
}
# Forms that answer a success with the page itself (a one-time password is shown once, never
# redirected to): whatever they changed must be whole.
ANSWER_IN_PLACE = {"groups:account_create", "groups:account_reset"}
# Forms fuzzed by their own tests below, or not ours to fuzz.
OTHER_POSTS = {
    "groups:import_upload": "test_the_importer_never_fails_on_random_files",
    "groups:area_outlines_upload": "tests/test_map.py (random files and GeoJSON)",
    "groups:outbox_exchange": "tests/test_outbox_fuzz.py",
    "groups:outbox_sheet": "tests/test_outbox_fuzz.py",
    "groups:outbox_ledger": "tests/test_outbox_fuzz.py",
    "groups:target_set": "tests/test_targets.py (its form is on the targets page)",
    "groups:target_delete": "tests/test_targets.py",
    "logout": "Django's",
    "set_language": "Django's",
}
# Query-string forms (filters, paging): random GET parameters.
FILTERS = {
    "groups:group_list": ("coordinator", {}),
    "groups:person_list": ("coordinator", {}),
    "groups:actor_list": ("coordinator", {}),
    "groups:exchange_pending": ("facilitator", {}),
    "groups:my_exchanges": ("member", {}),
    "groups:exchange_party_search": ("member", {}),
    "groups:report_dashboard": ("coordinator", {}),
    "groups:scores_download": ("coordinator", {"ref": "D"}),
    "groups:network_download": ("coordinator", {"ref": "D"}),
    "groups:export_download": ("coordinator", {}),
    "groups:audit_list": ("coordinator", {}),
    "groups:exchange_create": ("member", {}),
    "groups:amount_read": ("member", {}),
    "groups:date_read": ("facilitator", {}),
    "groups:report_villages": ("coordinator", {"ref": "D"}),
    "groups:villages_download": ("coordinator", {"ref": "D"}),
}

JUNK = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "0", "-1", "-0.01", "1e309", "9" * 40, "NaN", "Infinity",
        "2026-02-30", "0000-00-00", "31/12/2025", "9999-12-31", "1899-12-31", "<script>alert(1)</script>",
        "' OR 1=1 --", "\u202eevil", "Rp 1.500.000", "50,000.5", "person:", "actor:X", "person:P-OTHER",
        "../../etc/passwd", "https://evil.example/", "//evil.example", "true", "on",
    ]),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.dates().map(str),
)


class FormFields(HTMLParser):
    """The fields of the page's POST form aimed at `path`: name -> (kind, options)."""

    def __init__(self, path: str):
        super().__init__()
        self.path, self.inside, self.select = path, False, None
        self.fields: dict[str, tuple[str, list[str]]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("method") or "").lower() == "post" and a.get("action", "") in ("", self.path)
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            kind_, options = self.fields.get(a["name"], (kind, []))
            if kind in ("radio", "checkbox", "hidden", "submit"):
                options.append(a.get("value", "on"))
            self.fields[a["name"]] = (kind, options)
        elif tag in ("textarea",):
            self.fields[a["name"]] = ("text", [])
        elif tag == "select":
            self.select = a["name"]
            self.fields[a["name"]] = ("select-multiple" if "multiple" in a else "select", [])
        elif tag == "option" and self.select:
            self.fields[self.select][1].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "form":
            self.inside = False


def value_for(kind: str, options: list[str]):
    if kind == "select-multiple" and options:
        return st.one_of(st.lists(st.sampled_from(options), max_size=4), st.lists(JUNK, max_size=2))
    if options:
        return st.one_of(st.sampled_from(options), JUNK)
    return JUNK


def payload(fields: dict) -> st.SearchStrategy[dict]:
    """Each field: one of its options, junk, or left out; plus an unexpected extra field."""
    entries = {
        name: st.one_of(st.none(), value_for(kind, options))
        for name, (kind, options) in fields.items()
        if name != "csrfmiddlewaretoken" and kind != "file"
    }
    return st.fixed_dictionaries(entries, optional={"unexpected": JUNK}).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


def data_models():
    """The community's tables and logins; the audit trail, login attempts, sessions and
    recomputed scores are written on the side and not part of a form's record."""
    models = [m for m in apps.get_app_config("groups").get_models() if m._meta.managed]
    models = [m for m in models if m._meta.model_name not in ("scoresnapshot", "personscore", "groupscore")]
    return [*models, get_user_model()]


@functools.cache
def _fingerprint_queries() -> list[tuple[type, str]]:
    qn = connection.ops.quote_name
    queries = []
    for model in data_models():
        columns = ", ".join(qn(f.column) for f in [model._meta.pk, *model._meta.concrete_fields])
        queries.append((model, f"SELECT {columns} FROM {qn(model._meta.db_table)}"))  # noqa: S608 (names)
    return queries


def fingerprint() -> dict:
    """Every stored value of every data table, by table and primary key (plain SQL: this runs
    twice per example)."""
    with connection.cursor() as cursor:
        tables = {}
        for model, sql in _fingerprint_queries():
            cursor.execute(sql)
            tables[model] = {row[0]: row[1:] for row in cursor.fetchall()}
    return tables


def assert_whole(before: dict, after: dict, succeeded: bool, context: str) -> None:
    if not succeeded:
        changed = [m.__name__ for m in before if before[m] != after[m]]
        assert not changed, f"{context}: refused, yet changed {changed}"
        return
    for model in before:
        for pk, row in after[model].items():
            if before[model].get(pk) != row:
                model._default_manager.get(pk=pk).full_clean()


def login(client, persona, request):
    """Signs the persona in, unless the client's session is still theirs (a password change or
    an erasure may have ended it)."""
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    session = client.session
    if user is None and "_auth_user_id" not in session:
        return
    signed_in = False
    if user is not None and session.get("_auth_user_id") == str(user.pk):
        user.refresh_from_db()
        signed_in = session.get("_auth_user_hash") == user.get_session_auth_hash() and user.is_active
    if not signed_in:
        client.logout()
        if user is None:
            return
        client.force_login(user)
    if persona == "facilitator":
        session = client.session
        token = request.getfixturevalue("refs").token
        if session.get("transfer_imports") != [token]:
            session["transfer_imports"] = [token]
            session.save()


@pytest.mark.parametrize("name", sorted(FORMS))
def test_random_posts_never_fail_or_half_save(client, refs, request, name):  # noqa: F811
    persona, kwargs = FORMS[name]
    url = reverse(name, kwargs=kwargs(refs))
    login(client, persona, request)
    page = client.get(url)
    fields = {"next": ("text", [])}
    if page.status_code == 200:
        parser = FormFields(url)
        parser.feed(page.content.decode())
        fields = parser.fields or fields
    assert fields, f"no form fields found on {url}"

    @FUZZ
    @given(data=payload(fields), htmx=st.booleans())
    def post(data, htmx):
        login(client, persona, request)  # a password change or an erasure may end the session
        before = fingerprint()
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(url, data, **headers)
        assert response.status_code < 500, (url, data)
        succeeded = (
            response.status_code in (301, 302, 303) or "HX-Redirect" in response or name in ANSWER_IN_PLACE
        )
        assert_whole(before, fingerprint(), succeeded, f"POST {url} {data!r}")

    post()


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_random_query_strings_never_fail(client, refs, request, name):  # noqa: F811
    persona, kwargs = FILTERS[name]
    url = reverse(name, kwargs=kwargs)
    login(client, persona, request)
    keys = ["q", "page", "kind", "area", "group", "action", "period", "start", "end", "resource",
            "format", "network", "pseudonymize", "status", "party", "direction", "months", "sort"]

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), JUNK, max_size=6))
    def get(query):
        before = fingerprint()
        response = client.get(url, query)
        assert response.status_code < 500, (url, query)
        assert_whole(before, fingerprint(), False, f"GET {url} {query!r}")

    get()


def test_every_form_is_fuzzed(client, staff):
    """A view that accepts POST must be in FORMS (or named in OTHER_POSTS): a PUT is refused
    with the allowed methods listed, which tells which views take posts."""
    client.force_login(staff)
    posting = set()
    for name, route, _params in project_patterns():
        if name is None or route.startswith("admin/"):
            continue
        url = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)
        response = client.put(url)
        if response.status_code == 405 and "POST" in response.get("Allow", ""):
            posting.add(name)
    assert "groups:exchange_create" in posting  # the probe works
    assert posting - set(FORMS) - set(OTHER_POSTS) == set()


# --- the importer -------------------------------------------------------------------------


def csv_text(header: list[str], rows: list[list[str]]) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


@st.composite
def upload(draw):
    """A .csv of the format with random cells, a .zip of several, or plain garbage."""
    def table(name):
        columns = COLUMNS[name]
        header = draw(st.one_of(st.just(columns), st.permutations(columns), st.lists(JUNK, max_size=5)))
        rows = draw(st.lists(st.lists(JUNK, min_size=len(header), max_size=len(header)), max_size=4))
        return csv_text(header, rows)

    kind = draw(st.sampled_from(["csv", "zip", "garbage"]))
    if kind == "csv":
        name = draw(st.sampled_from(list(COLUMNS)))
        return [(f"{name}.csv", table(name))]
    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in draw(st.lists(st.sampled_from(list(COLUMNS)), min_size=1, max_size=3, unique=True)):
                archive.writestr(f"{name}.csv", table(name))
        return [("data.zip", buffer.getvalue())]
    return [(draw(st.sampled_from(["people.csv", "x.zip", "groups.csv"])), draw(st.binary(max_size=200)))]


def test_the_importer_never_fails_on_random_files(client, refs, request):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, "facilitator", request)

    @FUZZ
    @given(files=upload())
    def send(files):
        before = fingerprint()
        response = client.post(
            reverse("groups:import_upload"),
            {"files": [SimpleUploadedFile(name, content) for name, content in files]},
        )
        assert response.status_code < 500
        assert_whole(before, fingerprint(), False, f"upload {files!r}")  # a preview writes nothing
        if response.status_code == 302 and "/transfer/import/" in response["Location"]:
            token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
            preview = client.get(response["Location"])
            assert preview.status_code < 500
            confirmed = client.post(reverse("groups:import_confirm", args=[token]))
            assert confirmed.status_code < 500
            assert_whole(before, fingerprint(), True, f"import {files!r}")
        assert ScoreSnapshot.objects.filter(status="failed").count() == 0

    send()
