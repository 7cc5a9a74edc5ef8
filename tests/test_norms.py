"""Norms in the browser: add, edit, retire, review (1–5 with a note) and the review history."""

import datetime as dt

import pytest
from django.urls import reverse

from groups.models import Norm, NormReview

from . import factories as f
from .factories import once

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"groups:{name}", args=args)


@pytest.fixture
def norm(world):
    return f.NormFactory(ref="N-IURAN", group=world.group, statement="Iuran Rp 50.000 tiap pertemuan.")


@pytest.fixture
def pages(norm):
    return {
        "norm_create": (url("norm_create", "G1"), ["GET", "POST"]),
        "norm_detail": (url("norm_detail", "G1", norm.ref), ["GET"]),
        "norm_edit": (url("norm_edit", "G1", norm.ref), ["GET", "POST"]),
        "norm_retire": (url("norm_retire", "G1", norm.ref), ["GET", "POST"]),
        "normreview_create": (url("normreview_create", "G1", norm.ref), ["GET", "POST"]),
    }


NAMES = ["norm_create", "norm_detail", "norm_edit", "norm_retire", "normreview_create"]
EDIT_NAMES = ["norm_create", "norm_edit", "norm_retire", "normreview_create"]


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_login(client, pages, name):
    response = client.get(pages[name][0])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", NAMES)
def test_other_methods_are_refused(client, facilitator, pages, name):
    client.force_login(facilitator)
    address, methods = pages[name]
    for method in ("put", "delete", "post"):
        if method.upper() not in methods:
            assert getattr(client, method)(address).status_code == 405, method


@pytest.mark.parametrize("name", NAMES)
def test_outsider_gets_404(client, other_facilitator, pages, name):
    client.force_login(other_facilitator)
    for method in pages[name][1]:
        assert getattr(client, method.lower())(pages[name][0]).status_code == 404


@pytest.mark.parametrize("name", EDIT_NAMES)
def test_coordinator_and_member_get_403_on_edits(client, coordinator, member, pages, name):
    for user in (coordinator, member):
        client.force_login(user)
        for method in pages[name][1]:
            assert getattr(client, method.lower())(pages[name][0]).status_code == 403, (user, method)


@pytest.mark.parametrize("name", NAMES)
def test_htmx_gets_a_fragment(client, facilitator, pages, name):
    client.force_login(facilitator)
    response = client.get(pages[name][0], **HTMX)
    assert response.status_code == 200 and b"<html" not in response.content


def test_norm_of_another_group_is_not_found_through_this_group(client, world, facilitator, other_facilitator):
    foreign = f.NormFactory(group=world.other_group)
    client.force_login(facilitator)
    assert client.get(url("norm_detail", "G1", foreign.ref)).status_code == 404
    assert client.post(url("norm_retire", "G1", foreign.ref), {"retired_on": "2026-01-01"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_norm_create(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("norm_create", "G1"),
        once({
            "statement": "  Yang berhalangan hadir memberi kabar. ",
            "category": "participation",
            "how_agreed": "consensus",
            "agreed_on": "2024-02-01",
        }),
    )
    norm = world.group.norms.get()
    assert response["Location"] == url("norm_detail", "G1", norm.ref)
    assert norm.statement == "Yang berhalangan hadir memberi kabar."
    assert norm.is_active and norm.agreed_on == dt.date(2024, 2, 1)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"statement": "   "}, "statement"),
        ({"category": "magic"}, "category"),
        ({"how_agreed": ""}, "how_agreed"),
        ({"agreed_on": "2999-01-01"}, "agreed_on"),
    ],
)
def test_norm_create_bad_input(client, world, facilitator, data, field):
    client.force_login(facilitator)
    post = {"statement": "Aturan", "category": "trust", "how_agreed": "vote", **data}
    response = client.post(url("norm_create", "G1"), once(post))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert b"errorlist" in response.content
    assert not Norm.objects.exists()


def test_norm_create_by_htmx(client, world, facilitator):
    client.force_login(facilitator)
    bad = client.post(url("norm_create", "G1"), once({"statement": ""}), **HTMX)
    assert b"<html" not in bad.content and b"errorlist" in bad.content
    good = client.post(
        url("norm_create", "G1"), once({"statement": "A", "category": "trust", "how_agreed": "vote"}), **HTMX
    )
    assert good["HX-Redirect"] == url("norm_detail", "G1", world.group.norms.get().ref)


def test_norm_edit(client, facilitator, norm):
    client.force_login(facilitator)
    response = client.post(
        url("norm_edit", "G1", norm.ref),
        {
            "statement": "Iuran Rp 75.000.",
            "category": "reciprocity",
            "how_agreed": "vote",
        },
    )
    assert response.status_code == 302
    norm.refresh_from_db()
    assert norm.statement == "Iuran Rp 75.000." and norm.how_agreed == "vote"


def test_norm_edit_bad_input(client, facilitator, norm):
    client.force_login(facilitator)
    response = client.post(
        url("norm_edit", "G1", norm.ref), {"statement": "", "category": "reciprocity", "how_agreed": "vote"}
    )
    assert response.status_code == 200 and "statement" in response.context["form"].errors
    norm.refresh_from_db()
    assert norm.statement == "Iuran Rp 50.000 tiap pertemuan."


def test_norm_retire(client, facilitator, norm):
    client.force_login(facilitator)
    response = client.post(url("norm_retire", "G1", norm.ref), {"retired_on": "2026-03-01"})
    assert response.status_code == 302
    norm.refresh_from_db()
    assert not norm.is_active and norm.retired_on == dt.date(2026, 3, 1)
    again = client.post(url("norm_retire", "G1", norm.ref), {"retired_on": "2026-04-01"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    norm.refresh_from_db()
    assert norm.retired_on == dt.date(2026, 3, 1)


@pytest.mark.parametrize("value", ["", "nanti", "2999-12-31"])
def test_norm_retire_bad_date(client, facilitator, norm, value):
    client.force_login(facilitator)
    response = client.post(url("norm_retire", "G1", norm.ref), {"retired_on": value})
    assert response.status_code == 200 and "retired_on" in response.context["form"].errors
    norm.refresh_from_db()
    assert norm.is_active


def test_review_and_history(client, facilitator, norm):
    client.force_login(facilitator)
    for date, rating in (("2026-01-10", "2"), ("2026-04-10", "4")):
        response = client.post(
            url("normreview_create", "G1", norm.ref),
            once({"reviewed_on": date, "rating": rating, "rated_by": "group_meeting", "note": "Dibahas"}),
        )
        assert response["Location"] == url("norm_detail", "G1", norm.ref)
    review = norm.reviews.first()
    assert (review.rating, review.reviewed_by) == (4, facilitator)
    detail = client.get(url("norm_detail", "G1", norm.ref))
    assert [r.rating for r in detail.context["reviews"]] == [4, 2]
    assert b"Dibahas" in detail.content
    group_page = client.get(url("group_detail", "G1")).content.decode()
    assert "4/5" in group_page


@pytest.mark.parametrize(
    "data, field",
    [
        ({"rating": "0"}, "rating"),
        ({"rating": "6"}, "rating"),
        ({"rating": ""}, "rating"),
        ({"rating": "x"}, "rating"),
        ({"reviewed_on": "2999-01-01"}, "reviewed_on"),
        ({"reviewed_on": ""}, "reviewed_on"),
    ],
)
def test_review_bad_input(client, facilitator, norm, data, field):
    client.force_login(facilitator)
    response = client.post(
        url("normreview_create", "G1", norm.ref),
        once({"reviewed_on": "2026-01-01", "rating": "3", "rated_by": "leader", **data}),
    )
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not NormReview.objects.exists()


def test_retired_norm_takes_no_review(client, facilitator, norm):
    norm.is_active, norm.retired_on = False, dt.date(2026, 1, 1)
    norm.save()
    client.force_login(facilitator)
    response = client.post(
        url("normreview_create", "G1", norm.ref),
        once({"reviewed_on": "2026-02-01", "rating": "3", "rated_by": "leader"}),
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not NormReview.objects.exists()


def test_norm_detail_for_readers_has_no_actions(client, coordinator, member, norm):
    for user in (coordinator, member):
        client.force_login(user)
        body = client.get(url("norm_detail", "G1", norm.ref)).content.decode()
        assert "Iuran Rp 50.000" in body
        assert url("norm_edit", "G1", norm.ref) not in body
        assert url("normreview_create", "G1", norm.ref) not in body
