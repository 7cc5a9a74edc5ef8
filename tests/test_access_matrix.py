"""The URL x role access matrix: for each door, what every persona gets. Anonymous -> the login
page; outside the user's scope -> 404; in scope without the right -> 403; allowed -> 200 (or
a redirect after a plain POST). World: tests/conftest.py (the coordinator reads district D,
the facilitator looks after G1 in village V1, the member belongs to G1)."""

import pytest
from django.urls import reverse

from .test_villages import two_villages  # noqa: F401 (the small scored world)

ROLES = ("anonymous", "member", "facilitator", "coordinator", "other_coordinator", "staff")

#: (url name, args, method, data, {role: status}); roles not named get the row's default.
ROWS = [
    (
        "report_villages",
        ["D"],
        "get",
        None,
        {
            "anonymous": 302,
            "member": 404,
            "facilitator": 404,
            "coordinator": 200,
            "other_coordinator": 404,
            "staff": 200,
        },
    ),
    (
        "villages_download",
        ["D"],
        "get",
        None,
        {
            "anonymous": 302,
            "member": 404,
            "facilitator": 404,
            "coordinator": 200,
            "other_coordinator": 404,
            "staff": 200,
        },
    ),
    # the facilitator of G1 reads the village of their group (and has no villages below it)
    (
        "report_villages",
        ["V1"],
        "get",
        None,
        {
            "anonymous": 302,
            "member": 404,
            "facilitator": 200,
            "coordinator": 200,
            "other_coordinator": 404,
            "staff": 200,
        },
    ),
]


def _cases():
    for name, args, method, data, statuses in ROWS:
        for role in ROLES:
            yield pytest.param(
                name, args, method, data, role, statuses[role], id=f"{name}-{'-'.join(args)}-{role}"
            )


@pytest.mark.parametrize(("name", "args", "method", "data", "role", "status"), list(_cases()))
def test_access_matrix(client, two_villages, request, name, args, method, data, role, status):  # noqa: F811
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = reverse(f"groups:{name}", args=args)
    response = getattr(client, method)(url, data or {})
    assert response.status_code == status, f"{role} {method.upper()} {url}"
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
