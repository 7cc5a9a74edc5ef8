"""Pages that stay true: after confirming or disputing with htmx the page's counts and lists
are fetched again; the party search shows no "no match" under the person just chosen and its
hx-include always names an element that exists."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from groups.models import ExchangeStatus

from . import factories as f

HX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def two_waiting(world, member, member2):
    return [
        f.ExchangeFactory(
            ref=f"X-W{i}", giver_person=world.member2_person, receiver_person=world.member_person,
            status=ExchangeStatus.PENDING, logged_by=member2, amount=Decimal("1000"), unit="IDR",
        )
        for i in range(2)
    ]


@pytest.mark.django_db
def test_after_confirming_the_count_and_list_are_fetched_again(client, member, two_waiting):
    client.force_login(member)
    page = client.get(reverse("groups:my_exchanges"), **EN).content.decode()
    assert "Others logged 2 exchanges with you." in page
    # The regions that refresh themselves when an answer comes back.
    assert re.search(r'id="awaiting-count"[^>]*hx-trigger="exchange-answered from:body"', page)
    assert re.search(r'id="exchange-list"[^>]*hx-trigger="exchange-answered from:body"', page)

    answered = client.post(reverse("groups:exchange_confirm", args=["X-W0"]), **HX)
    assert answered["HX-Trigger"] == "exchange-answered"

    count = client.get(reverse("groups:my_exchanges"), HTTP_HX_TARGET="awaiting-count", **HX)
    assert "Someone logged an exchange with you." in count.content.decode()
    listing = client.get(reverse("groups:my_exchanges"), HTTP_HX_TARGET="exchange-list", **HX)
    html = listing.content.decode()
    assert "<body" not in html
    assert html.count('class="badge confirmed"') == 1 and html.count('class="badge pending"') == 1


@pytest.mark.django_db
def test_the_facilitators_pending_count_follows(client, facilitator, two_waiting):
    client.force_login(facilitator)
    page = client.get(reverse("groups:exchange_pending"), **EN).content.decode()
    assert "2 exchanges are waiting." in page and 'id="pending-count"' in page
    client.post(reverse("groups:exchange_dispute", args=["X-W1"]), **HX)
    again = client.get(reverse("groups:exchange_pending"), HTTP_HX_TARGET="pending-count", **HX)
    assert "One exchange is waiting." in again.content.decode()
    client.post(reverse("groups:exchange_confirm", args=["X-W0"]), **HX)
    last = client.get(reverse("groups:exchange_pending"), HTTP_HX_TARGET="pending-count", **HX)
    assert 'id="pending-count"' in last.content.decode()
    assert "No pending exchanges here." in last.content.decode()


@pytest.mark.django_db
def test_no_no_match_under_the_person_just_chosen(client, member, world):
    client.force_login(member)
    response = client.get(
        reverse("groups:exchange_party_search"), {"q": "Siti", "party": "person:P-MEMBER2"}, **HX
    )
    html = response.content.decode()
    assert 'value="person:P-MEMBER2" checked' in html
    assert "Nobody matches" not in html


@pytest.mark.django_db
def test_a_search_without_a_match_still_says_so(client, member, world):
    client.force_login(member)
    html = client.get(reverse("groups:exchange_party_search"), {"q": "zzz"}, **HX).content.decode()
    assert "Nobody matches “zzz”." in html
    assert 'id="party-results"' in html  # what hx-include names is still on the page


@pytest.mark.django_db
def test_the_search_includes_an_element_that_always_exists(client, member, world):
    client.force_login(member)
    html = client.get(reverse("groups:exchange_create"), **EN).content.decode()
    includes = set(re.findall(r'hx-include="([^"]+)"', html))
    assert includes == {"#party-results"}
    assert 'id="party-results"' in html
