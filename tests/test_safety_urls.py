"""Every URL pattern of the project, for every role: the expected status of a GET.

The table below has one entry per URL name (and per set of URL arguments when a name has
several patterns). A pattern missing from the table fails the test with its name, so a new
page cannot ship without someone deciding who may open it. Pages answering 200 are also
checked for inline script and style, which the Content-Security-Policy would block.
"""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from groups.models import ActivityKind, Exchange, ExchangeStatus, FundKind, Membership, Person
from groups.services import ledger
from groups.transfer import storage

from . import factories as f

ROLES = (
    "anonymous", "member", "other_facilitator", "facilitator", "other_coordinator", "coordinator", "staff",
)

# Expected status per role, in the order of ROLES. L = redirect to the login page.
L = "login"
OK = 200

EXPECTED: dict[str, tuple] = {
    # project
    "healthz": (OK, OK, OK, OK, OK, OK, OK),
    "set_language": (302, 302, 302, 302, 302, 302, 302),  # a GET only redirects back
    "login": (OK, 302, 302, 302, 302, 302, 302),  # logged in: sent on
    "logout": (405, 405, 405, 405, 405, 405, 405),  # POST only
    # --- registry
    "groups:home": (L, OK, OK, OK, OK, OK, OK),
    "groups:group_list": (L, 403, OK, OK, OK, OK, OK),
    "groups:group_create": (L, 403, OK, OK, 403, 403, OK),
    "groups:group_detail": (L, OK, 404, OK, 404, OK, OK),
    "groups:group_edit": (L, 403, 404, OK, 404, 403, OK),
    "groups:membership_add": (L, 403, 404, OK, 404, 403, OK),
    "groups:membership_search": (405, 405, 405, 405, 405, 405, 405),  # POST only (names out of URLs)
    "groups:membership_create": (L, 403, 404, OK, 404, 403, OK),
    "groups:membership_edit": (L, 403, 404, OK, 404, 403, OK),
    "groups:membership_end": (L, 403, 404, OK, 404, 403, OK),
    "groups:norm_create": (L, 403, 404, OK, 404, 403, OK),
    "groups:norm_detail": (L, OK, 404, OK, 404, OK, OK),
    "groups:norm_edit": (L, 403, 404, OK, 404, 403, OK),
    "groups:norm_retire": (L, 403, 404, OK, 404, 403, OK),
    "groups:normreview_create": (L, 403, 404, OK, 404, 403, OK),
    "groups:activity_create": (L, 403, 404, OK, 404, 403, OK),
    "groups:activity_detail": (L, OK, 404, OK, 404, OK, OK),
    "groups:activity_edit": (L, 403, 404, OK, 404, 403, OK),
    "groups:exchange_sheet": (L, 403, 404, OK, 404, 403, OK),
    "groups:exchange_sheet_row": (L, 403, 404, OK, 404, 403, OK),
    "groups:exchange_sheet_print": (L, 403, 404, OK, 404, 403, OK),
    "groups:exchange_sheet_pdf": (L, 403, 404, OK, 404, 403, OK),
    # --- a group's own money: coordinators read totals, members see theirs on their summary
    "groups:fund_list": (L, 403, 404, OK, 404, OK, OK),
    "groups:fund_create": (L, 403, 404, OK, 404, 403, OK),
    "groups:fund_meeting": (L, 403, 404, OK, 404, 403, OK),
    "groups:fund_meeting_cash": (405, 405, 405, 405, 405, 405, 405),  # POST only (the sheet's cash)
    "groups:fund_meeting_row": (405, 405, 405, 405, 405, 405, 405),  # POST only (one more row)
    "groups:fund_detail": (L, 403, 404, OK, 404, OK, OK),
    "groups:fund_rotation": (L, 403, 404, OK, 404, 403, OK),
    "groups:fund_share_out": (L, 403, 404, OK, 404, 403, OK),
    "groups:fund_cycle_dates": (L, 403, 404, OK, 404, 403, OK),
    "groups:person_list": (L, 403, OK, OK, OK, OK, OK),
    "groups:person_create": (L, 403, OK, OK, 403, 403, OK),
    "groups:person_detail": (L, 403, 404, OK, 404, OK, OK),
    "groups:person_edit": (L, 403, 404, OK, 404, 403, OK),
    "groups:person_erase": (L, 403, 404, OK, 404, 403, OK),
    "groups:account_create": (L, 403, 404, OK, 404, 403, OK),
    "groups:account_reset": (L, 403, 404, OK, 404, 403, OK),
    "groups:actor_list": (L, 403, OK, OK, OK, OK, OK),
    "groups:actor_create": (L, 403, OK, OK, 403, 403, OK),
    "groups:actor_edit": (L, 403, 404, OK, 404, 403, OK),
    "groups:account_password": (L, OK, OK, OK, OK, OK, OK),
    # --- exchanges (a member's own; the exchange is between member and member2)
    "groups:my_exchanges": (L, OK, 403, 403, 403, 403, 403),
    "groups:exchange_create": (L, OK, 403, 403, 403, 403, 403),
    "groups:exchange_party_search": (L, 302, 403, 403, 403, 403, 403),  # without htmx: the form
    "groups:exchange_pending": (L, 403, OK, OK, 403, 403, OK),
    "groups:my_summary": (L, OK, 403, 403, 403, 403, 403),
    # what a typed amount or a chosen date is read as: no data, any logged-in user
    "groups:amount_read": (L, OK, OK, OK, OK, OK, OK),
    "groups:date_read": (L, OK, OK, OK, OK, OK, OK),
    "groups:exchange_detail": (L, OK, 404, OK, 404, OK, OK),
    "groups:exchange_confirm": (405, 405, 405, 405, 405, 405, 405),  # POST only
    "groups:exchange_dispute": (405, 405, 405, 405, 405, 405, 405),
    # --- reports
    "groups:report_dashboard": (L, 403, OK, OK, OK, OK, OK),  # each user's own areas
    "groups:report_dashboard(ref)": (L, 404, 404, 404, 404, OK, OK),  # district D: members have no areas
    "groups:report_group": (L, 403, 404, OK, 404, OK, OK),
    "groups:report_group_change": (L, 403, 404, OK, 404, OK, OK),
    "groups:report_person": (L, OK, 404, OK, 404, OK, OK),  # the member's own profile
    "groups:methodology": (L, OK, OK, OK, OK, OK, OK),
    "groups:report_dashboard_retry": (405, 405, 405, 405, 405, 405, 405),  # POST only
    "groups:report_group_retry": (405, 405, 405, 405, 405, 405, 405),
    "groups:report_person_retry": (405, 405, 405, 405, 405, 405, 405),
    "groups:scores_download": (L, 404, 404, 404, 404, OK, OK),
    "groups:network_download": (L, 404, 404, 404, 404, OK, OK),
    "groups:group_network_download": (L, 403, 404, OK, 404, OK, OK),
    # a group's report card: whoever reads the group's report (it names nobody)
    "groups:group_card": (L, 403, 404, OK, 404, OK, OK),
    "groups:group_card_pdf": (L, 403, 404, OK, 404, OK, OK),
    "groups:group_card_png": (L, 403, 404, OK, 404, OK, OK),
    # the map of district D: its groups and outlines as GeoJSON; outlines are loaded by staff only
    "groups:area_groups_geojson": (L, 404, 404, 404, 404, OK, OK),
    "groups:area_outlines_geojson": (L, 404, 404, 404, 404, OK, OK),
    "groups:area_outlines_upload": (L, 404, 404, 404, 404, 403, OK),
    # --- transfer (the import token belongs to the facilitator's session; coordinators import nothing)
    "groups:import_upload": (L, 403, OK, OK, 403, 403, OK),
    "groups:import_preview": (L, 403, 404, OK, 403, 403, 404),
    "groups:import_confirm": (405, 405, 405, 405, 405, 405, 405),
    "groups:import_status": (L, 403, 404, 302, 403, 403, 404),  # ready: back to the preview
    "groups:import_problems": (L, 403, 404, OK, 403, 403, 404),
    "groups:export_download": (L, 403, OK, OK, OK, OK, OK),
    # --- trust
    "groups:audit_list": (L, 403, 403, 403, OK, OK, OK),
    # --- working offline: the worker, the manifest and the offline page name nobody
    "groups:service_worker": (OK, OK, OK, OK, OK, OK, OK),
    "groups:manifest": (OK, OK, OK, OK, OK, OK, OK),
    "groups:offline_page": (OK, OK, OK, OK, OK, OK, OK),
    "groups:offline_pages": (L, OK, OK, OK, OK, OK, OK),  # each user's own list
    "groups:outbox_exchange": (405, 405, 405, 405, 405, 405, 405),  # POST only
    "groups:outbox_sheet": (405, 405, 405, 405, 405, 405, 405),
    "groups:outbox_ledger": (405, 405, 405, 405, 405, 405, 405),
    # --- villages side by side, targets and the scorecard (district D; no scores computed
    # yet: the table and the files send the reader to the dashboard, which says so)
    "groups:report_villages": (L, 404, 404, 404, 404, 302, 302),
    "groups:villages_download": (L, 404, 404, 404, 404, 302, 302),
    "groups:target_list": (L, 404, 404, 404, 404, OK, OK),
    "groups:target_set": (405, 405, 405, 405, 405, 405, 405),  # POST only
    "groups:target_delete": (405, 405, 405, 405, 405, 405, 405),
    "groups:scorecard_download": (L, 404, 404, 404, 404, 302, 302),
    "groups:scorecard_print": (L, 404, 404, 404, 404, 302, 302),
}

# The admin: everything for staff; everyone else is sent to the admin's login page.
ADMIN_NOT_200 = {
    "admin:logout": 405,  # POST only
    "admin:view_on_site": 404,  # no model defines get_absolute_url
    "admin:autocomplete": 403,  # needs its query parameters
    "admin:login": 302,  # staff already logged in: sent to the index
}


@dataclass
class Refs:
    group: str
    norm: str
    activity: str
    membership_id: int
    exchange: str
    actor: str
    person: str
    new_person: str
    area: str
    token: str
    fund: str


@pytest.fixture
def refs(world, member, member2, facilitator, coordinator, other_facilitator, other_coordinator, staff):
    """One of each object, inside the facilitator's group G1 and the coordinator's district D."""
    norm = f.NormFactory(ref="N-G1", group=world.group)
    norm.reviews.create(rating=4, note="Selalu datang")
    actor = f.ActorFactory(ref="A-V1", area=world.village)
    activity = f.ActivityFactory(ref="ACT-G1", group=world.group, kind=ActivityKind.TRAINING, actor=actor)
    activity.attendees.add(world.member_person)
    exchange = f.ExchangeFactory(
        ref="X-G1", giver_person=world.member2_person, receiver_person=world.member_person,
        group=world.group, status=ExchangeStatus.PENDING, logged_by=member2,
    )
    f.ExchangeFactory(
        giver_person=world.member_person, receiver_person=world.member2_person, group=world.group
    )
    new_person = f.PersonFactory(ref="P-NEW", full_name="Tanpa Akun", area=world.village)
    f.MembershipFactory(person=new_person, group=world.group)
    token = storage.create({"people.csv": b"ref,full_name\n"}, user_id=facilitator.pk, language="id")
    storage.write_status(token, {"state": storage.READY, "name": "people.csv", "user_id": facilitator.pk})
    return Refs(
        group=world.group.ref, norm=norm.ref, activity=activity.ref,
        membership_id=Membership.objects.get(person=world.member_person, group=world.group).pk,
        exchange=exchange.ref, actor=actor.ref, person=world.member_person.ref,
        new_person=new_person.ref, area=world.district.ref, token=token,
        fund=ledger.create_fund(
            group=world.group, kind=FundKind.ARISAN, name="Arisan", opened_on=dt.date(2026, 1, 1)
        ).ref,
    )


def url_kwargs(name: str, route: str, params: list[str], refs: Refs) -> dict:
    """Arguments for a pattern, chosen by its parameter names and the object it is about."""
    about_person = "people/" in route
    values = {
        "ref": refs.person if about_person else refs.area if "areas/" in route
        else refs.exchange if "exchanges/" in route else refs.actor if "actors/" in route else refs.group,
        "norm_ref": refs.norm,
        "activity_ref": refs.activity,
        "membership_id": refs.membership_id,
        "token": refs.token,
        "indicator": "participation",
        "fund_ref": refs.fund,
    }
    if name == "groups:account_create":
        values["ref"] = refs.new_person
    return {param: values[param] for param in params}


def project_patterns():
    """(name, route, parameter names) of every URL pattern; name None for unnamed ones."""
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                name = None if p.name is None else f"{namespace}:{p.name}" if namespace else p.name
                route = prefix + str(p.pattern)
                found.append((name, route, re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)))

    walk(get_resolver().url_patterns, "", None)
    return [(name, route, [a or b for a, b in params]) for name, route, params in found]


def table_key(name: str, params: list[str], names_seen: list[str]) -> str:
    if names_seen.count(name) > 1 and params:
        return f"{name}({','.join(params)})"
    return name


def login(client, role, request):
    client.logout()
    if role != "anonymous":
        user = request.getfixturevalue(role)
        client.force_login(user)
        if role == "facilitator":
            session = client.session
            session["transfer_imports"] = [request.getfixturevalue("refs").token]
            session.save()


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


@pytest.mark.slow
def test_every_url_pattern_has_an_expected_status_for_every_role(client, refs, request):
    patterns = [p for p in project_patterns() if not p[1].startswith("admin/")]
    names = [name for name, _, _ in patterns]
    keys = [table_key(name, params, names) for name, _, params in patterns]
    missing = sorted(set(keys) - set(EXPECTED))
    assert not missing, f"URL patterns without an entry in EXPECTED (decide who may open them): {missing}"
    stale = sorted(set(EXPECTED) - set(keys))
    assert not stale, f"EXPECTED names URLs that no longer exist: {stale}"

    failures = []
    for role_index, role in enumerate(ROLES):
        login(client, role, request)
        for key, (name, route, params) in zip(keys, patterns, strict=True):
            url = reverse(name, kwargs=url_kwargs(name, route, params, refs))
            response = client.get(url)
            expected = EXPECTED[key][role_index]
            if expected == L:
                ok = response.status_code == 302 and response["Location"].startswith(reverse("login"))
            else:
                ok = response.status_code == expected
            if not ok:
                failures.append(f"{role:>17} GET {url} ({key}): {response.status_code}, expected {expected}")
            content_type = response.get("Content-Type", "")
            if response.status_code == 200 and content_type.startswith("text/html"):
                inline = INLINE.search(response.content.decode())
                if inline:
                    failures.append(f"{role:>17} GET {url}: inline code the CSP blocks: {inline.group(0)!r}")
    assert not failures, "\n" + "\n".join(failures)


# --- narrower and mixed roles ----------------------------------------------------------------
# The same objects (group G1 in village V1, district D) for: a facilitator assigned to village
# V2 of the same district, and a user who is both a coordinator of D without name rights and
# the facilitator of group G2. What each of them (and the roles above) sees named in the
# downloads and exports is in tests/test_access_names.py (NAMED), door by door.

MORE_ROLES = ("village2_facilitator", "mixed")

EXPECTED_MORE: dict[str, tuple] = {
    "healthz": (OK, OK),
    "set_language": (302, 302),
    "login": (302, 302),
    "logout": (405, 405),
    # --- registry: G1 is outside V2 (404); the mixed user reads it as coordinator (403 to write)
    "groups:home": (OK, OK),
    "groups:group_list": (OK, OK),
    "groups:group_create": (OK, OK),
    "groups:group_detail": (404, OK),
    "groups:group_edit": (404, 403),
    "groups:membership_add": (404, 403),
    "groups:membership_search": (405, 405),  # POST only (names out of URLs)
    "groups:amount_read": (OK, OK),
    "groups:date_read": (OK, OK),
    "groups:membership_create": (404, 403),
    "groups:membership_edit": (404, 403),
    "groups:membership_end": (404, 403),
    "groups:norm_create": (404, 403),
    "groups:norm_detail": (404, OK),
    "groups:norm_edit": (404, 403),
    "groups:norm_retire": (404, 403),
    "groups:normreview_create": (404, 403),
    "groups:activity_create": (404, 403),
    "groups:activity_detail": (404, OK),
    "groups:activity_edit": (404, 403),
    "groups:exchange_sheet": (404, 403),
    "groups:exchange_sheet_row": (404, 403),
    "groups:exchange_sheet_print": (404, 403),
    "groups:exchange_sheet_pdf": (404, 403),
    "groups:fund_list": (404, OK),
    "groups:fund_create": (404, 403),
    "groups:fund_meeting": (404, 403),
    "groups:fund_meeting_cash": (405, 405),
    "groups:fund_meeting_row": (405, 405),
    "groups:fund_detail": (404, OK),
    "groups:fund_rotation": (404, 403),
    "groups:fund_share_out": (404, 403),
    "groups:fund_cycle_dates": (404, 403),
    "groups:person_list": (OK, OK),
    "groups:person_create": (OK, OK),
    "groups:person_detail": (404, OK),
    "groups:person_edit": (404, 403),
    "groups:person_erase": (404, 403),
    "groups:account_create": (404, 403),
    "groups:account_reset": (404, 403),
    "groups:actor_list": (OK, OK),
    "groups:actor_create": (OK, OK),
    "groups:actor_edit": (404, 403),  # an actor of V1: not where either may place one
    "groups:account_password": (OK, OK),
    # --- exchanges: neither has a member login
    "groups:my_exchanges": (403, 403),
    "groups:exchange_create": (403, 403),
    "groups:exchange_party_search": (403, 403),
    "groups:exchange_pending": (OK, OK),
    "groups:my_summary": (403, 403),
    "groups:exchange_detail": (404, OK),
    "groups:exchange_confirm": (405, 405),
    "groups:exchange_dispute": (405, 405),
    # --- reports and downloads (district D, group G1, person P-MEMBER)
    "groups:report_dashboard": (OK, OK),
    "groups:report_dashboard(ref)": (404, OK),
    "groups:report_group": (404, OK),
    "groups:report_group_change": (404, OK),
    "groups:report_person": (404, OK),
    "groups:report_dashboard_retry": (405, 405),  # POST only
    "groups:report_group_retry": (405, 405),
    "groups:report_person_retry": (405, 405),
    "groups:methodology": (OK, OK),
    "groups:scores_download": (404, OK),
    "groups:network_download": (404, OK),
    "groups:group_network_download": (404, OK),
    "groups:group_card": (404, OK),
    "groups:group_card_pdf": (404, OK),
    "groups:group_card_png": (404, OK),
    "groups:area_groups_geojson": (404, OK),
    "groups:area_outlines_geojson": (404, OK),
    "groups:area_outlines_upload": (404, 403),
    # --- transfer (the token is the facilitator's)
    "groups:import_upload": (OK, OK),
    "groups:import_preview": (404, 404),
    "groups:import_confirm": (405, 405),
    "groups:import_status": (404, 404),
    "groups:import_problems": (404, 404),
    "groups:export_download": (OK, OK),
    # --- trust
    "groups:audit_list": (403, OK),
    # --- working offline
    "groups:service_worker": (OK, OK),
    "groups:manifest": (OK, OK),
    "groups:offline_page": (OK, OK),
    "groups:offline_pages": (OK, OK),
    "groups:outbox_exchange": (405, 405),
    "groups:outbox_sheet": (405, 405),
    "groups:outbox_ledger": (405, 405),
    "groups:report_villages": (404, 302),
    "groups:villages_download": (404, 302),
    "groups:target_list": (404, OK),
    "groups:target_set": (405, 405),
    "groups:target_delete": (405, 405),
    "groups:scorecard_download": (404, 302),
    "groups:scorecard_print": (404, 302),
}


def test_narrower_and_mixed_roles_get_the_expected_status_everywhere(client, refs, request):
    patterns = [p for p in project_patterns() if not p[1].startswith("admin/")]
    names = [name for name, _, _ in patterns]
    keys = [table_key(name, params, names) for name, _, params in patterns]
    assert set(keys) == set(EXPECTED_MORE), sorted(set(keys) ^ set(EXPECTED_MORE))
    failures = []
    for role_index, role in enumerate(MORE_ROLES):
        login(client, role, request)
        for key, (name, route, params) in zip(keys, patterns, strict=True):
            url = reverse(name, kwargs=url_kwargs(name, route, params, refs))
            response = client.get(url)
            expected = EXPECTED_MORE[key][role_index]
            if response.status_code != expected:
                failures.append(f"{role:>20} GET {url} ({key}): {response.status_code}, expected {expected}")
    assert not failures, "\n" + "\n".join(failures)


MISSING_ID = "999999"


def admin_url(name, route, params, objects) -> tuple[str, int]:
    """A URL for an admin pattern and the status staff should get: an object of the model
    the pattern names when there is one (200), else an id that does not exist (the admin
    sends staff back to its index: 302)."""
    if name is None:
        if "(?P<url>" in route:  # the admin's final catch-all
            return "/admin/no-such-page/", 404
        # "<path:object_id>/": the old change URL, redirecting to the new one
        model_key = "_".join(route.split("/")[1:3])
        obj = objects.get(model_key)
        object_id = str(obj.pk) if obj is not None else MISSING_ID
        return "/" + re.sub(r"<path:object_id>", object_id, route), 302
    values, expected = {}, ADMIN_NOT_200.get(name, 200)
    model_key = name.split(":", 1)[1].rsplit("_", 1)[0]
    for param in params:
        if param == "app_label":
            values[param] = "groups"
        elif param == "content_type_id":
            values[param] = str(ContentType.objects.get_for_model(Person).pk)
        elif param == "object_id" and name == "admin:view_on_site":
            values[param] = str(objects["groups_person"].pk)
        elif param == "object_id":
            obj = objects.get(model_key)
            values[param] = str(obj.pk) if obj is not None else MISSING_ID
            if obj is None:
                expected = 302
        elif param == "id":  # admin:auth_user_password_change
            values[param] = str(objects["auth_user"].pk)
        else:
            raise AssertionError(f"no argument for {param!r} of {name}: extend admin_url")
    return reverse(name, kwargs=values), expected


@pytest.mark.slow
def test_the_admin_is_for_staff_only(client, refs, request, rf, staff):
    objects, read_only = {}, set()
    probe = rf.get("/admin/")
    probe.user = staff
    for model, model_admin in admin_site._registry.items():
        key = f"{model._meta.app_label}_{model._meta.model_name}"
        obj = model._default_manager.first()
        if obj is not None:
            objects[key] = obj
        if not model_admin.has_add_permission(probe):
            read_only.add(f"admin:{key}_add")
        if not model_admin.has_delete_permission(probe):
            read_only.add(f"admin:{key}_delete")
    assert "groups_exchange" in objects and "auth_user" in objects
    patterns = [p for p in project_patterns() if p[1].startswith("admin/")]
    failures = []
    for role in ROLES:
        login(client, role, request)
        for name, route, params in patterns:
            url, staff_expects = admin_url(name, route, params, objects)
            response = client.get(url)
            if role == "staff":
                # records only the system writes (the audit trail, login attempts) are read-only
                ok = response.status_code == (403 if name in read_only else staff_expects)
                if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                    inline = INLINE.search(response.content.decode())
                    if inline:  # the admin must work under the same CSP
                        failures.append(f"staff GET {url}: inline code the CSP blocks: {inline.group(0)!r}")
            elif name in ("admin:login", "admin:logout"):
                ok = response.status_code in (200, 302, 405)
            else:
                ok = response.status_code == 302 and "/admin/login/" in response["Location"]
            if not ok:
                failures.append(f"{role:>17} GET {url} ({name}): {response.status_code}")
    assert len(patterns) > 50
    assert not failures, "\n" + "\n".join(failures)


def test_the_table_check_does_fail_on_an_unknown_url(refs):
    # The first test's guard: a pattern not in EXPECTED is reported by name.
    patterns = project_patterns() + [("groups:brand_new_page", "new/", [])]
    names = [n for n, _, _ in patterns]
    keys = {table_key(n, p, names) for n, r, p in patterns if not r.startswith("admin/")}
    assert sorted(keys - set(EXPECTED)) == ["groups:brand_new_page"]
    assert Exchange.objects.filter(ref=refs.exchange).exists()
