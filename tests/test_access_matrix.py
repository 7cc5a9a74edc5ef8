"""The URL x role access matrix: for each door, what every persona gets. Anonymous -> the login
page; outside the user's scope -> 404; in scope without the right -> 403; allowed -> 200 (or
a redirect after a plain POST). World: tests/conftest.py (the coordinator reads district D,
the facilitator looks after G1 in village V1, the member belongs to G1)."""

import pytest
from django.urls import reverse

from groups.models import Target

from .conftest import Several, build_world, share
from .test_villages import compute

ROLES = ("anonymous", "member", "facilitator", "coordinator", "other_coordinator", "staff")


def statuses(member=404, facilitator=404, coordinator=200, other_coordinator=404, staff=200) -> dict:
    """What each persona gets (anonymous: the login page)."""
    return {
        "anonymous": 302,
        "member": member,
        "facilitator": facilitator,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "staff": staff,
    }


#: Readers of district D: its coordinator and staff (the facilitator of G1 works in V1 only).
READ_D = statuses()
#: Readers of village V1: also the facilitator of G1.
READ_V1 = statuses(facilitator=200)
#: Who may set V1's targets: its coordinators (from D) and staff; G1's facilitator reads only.
WRITE_V1 = statuses(facilitator=403, coordinator=302, staff=302)
TARGET = {"indicator": "participation", "goal": "60"}

#: (url name, args, method, data, {role: status}).
ROWS = [
    ("report_villages", ["D"], "get", None, READ_D),
    ("villages_download", ["D"], "get", None, READ_D),
    ("report_villages", ["V1"], "get", None, READ_V1),
    ("target_list", ["D"], "get", None, READ_D),
    ("target_list", ["V1"], "get", None, READ_V1),
    ("target_set", ["V1"], "post", TARGET, WRITE_V1),
    ("target_set", ["D"], "post", TARGET, statuses(coordinator=302, staff=302)),
    ("target_delete", ["V1", "quiet"], "post", None, WRITE_V1),
    ("scorecard_download", ["D"], "get", None, READ_D),
    ("scorecard_print", ["D"], "get", None, READ_D),
    ("scorecard_print", ["V1"], "get", None, READ_V1),
]


@pytest.fixture
def scored_world(world, _shared):
    return _shared.get("scored_world", lambda: score(world))


def score(world):
    """The personas' world with its district's scores computed (a handful of rows: cheap)."""
    compute(world.district)
    return world


def build_scored_world() -> Several:
    world = score(build_world())
    return Several(world=world, scored_world=world)


share("scored_world", build_scored_world, __name__)  # built and scored once for this module


def _cases():
    for name, args, method, data, statuses in ROWS:
        for role in ROLES:
            yield pytest.param(
                name, args, method, data, role, statuses[role], id=f"{name}-{'-'.join(args)}-{role}"
            )


@pytest.mark.parametrize(("name", "args", "method", "data", "role", "status"), list(_cases()))
def test_access_matrix(client, scored_world, request, name, args, method, data, role, status):
    Target.objects.create(area=scored_world.village, indicator="quiet", goal=0)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = reverse(f"groups:{name}", args=args)
    response = getattr(client, method)(url, data or {})
    assert response.status_code == status, f"{role} {method.upper()} {url}"
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if method == "post":  # a refused write leaves the targets as they were
        changed = status == 302 and role != "anonymous"
        assert Target.objects.count() == (
            1 + (name == "target_set") - (name == "target_delete") if changed else 1
        )
