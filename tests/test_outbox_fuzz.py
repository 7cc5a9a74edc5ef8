"""Bad input (hypothesis) sent through the outbox: the fields of the live log form, meeting
sheet and meeting ledger, filled at random, never give a 500, always get a JSON answer, and a
refused item never saves half of anything (the same checks as tests/test_safety_fuzz.py for
the live forms)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groups.views.offline import offline_key

from .test_safety_fuzz import FUZZ, FormFields, assert_whole, fingerprint, login, payload
from .test_safety_urls import Refs, refs  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

# outbox url -> (persona, the live page whose form it receives)
OUTBOX = {
    "/outbox/exchanges/": ("member", "/exchanges/new/"),
    "/outbox/groups/G1/sheet/": ("facilitator", "/groups/G1/sheet/"),
    "/outbox/groups/G1/funds/meeting/": ("facilitator", "/groups/G1/funds/meeting/"),
}


@pytest.mark.parametrize("url", sorted(OUTBOX))
def test_random_items_are_answered_and_never_half_saved(client, refs, request, url):  # noqa: F811
    persona, page_url = OUTBOX[url]
    login(client, persona, request)
    parser = FormFields(page_url)
    parser.feed(client.get(page_url).content.decode())
    assert "token" in parser.fields and len(parser.fields) > 5  # the live form's own fields
    owner = offline_key(request.getfixturevalue(persona))

    @FUZZ
    @given(data=payload(parser.fields), owned=st.booleans())
    def send(data, owned):
        before = fingerprint()
        response = client.post(url, {**data, "outbox_owner": owner if owned else "someone"})
        assert response.status_code == 200, (url, data)
        answer = response.json()
        assert answer["state"] in ("accepted", "refused")
        assert_whole(before, fingerprint(), answer["state"] == "accepted", f"POST {url} {data!r}")

    send()
