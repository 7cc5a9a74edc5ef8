"""The meeting sheet: many exchanges entered after a meeting, saved together as confirmed or
not at all, with errors on the rows that have them; rows added with htmx or without JS."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groups.models import Activity, ActivityKind, Exchange, ExchangeStatus
from groups.services import exchanges as exchange_services

from . import factories as f
from .factories import once

HTMX = {"HTTP_HX_REQUEST": "true"}
SRI, SITI = "person:P-MEMBER", "person:P-MEMBER2"


def url(name, *args):
    return reverse(f"groups:{name}", args=args)


def sheet(*rows, total=None, date="2026-06-01"):
    """POST data of a sheet with these rows (dicts of giver, receiver, resource, ...)."""
    data = {
        "date": date,
        "rows-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{index}-{key}"] = value
    return data


BLANK = {"giver": "", "receiver": "", "resource": "", "amount": "", "unit": "", "note": ""}


@pytest.fixture
def actor(world):
    return f.ActorFactory(
        ref="A-PKK", name="Tim Penggerak PKK Desa", kind="village_government", area=world.village
    )


@pytest.mark.parametrize("name", ["exchange_sheet", "exchange_sheet_row"])
def test_anonymous_is_sent_to_login(client, world, name):
    response = client.get(url(name, "G1"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["exchange_sheet", "exchange_sheet_row"])
def test_other_methods_are_refused(client, facilitator, name):
    client.force_login(facilitator)
    assert client.put(url(name, "G1")).status_code == 405
    assert client.delete(url(name, "G1")).status_code == 405


@pytest.mark.parametrize("name", ["exchange_sheet", "exchange_sheet_row"])
def test_outsider_gets_404(client, other_facilitator, name):
    client.force_login(other_facilitator)
    assert client.get(url(name, "G1")).status_code == 404
    assert client.post(url(name, "G1"), sheet({**BLANK, "giver": SRI})).status_code == 404


@pytest.mark.parametrize("name", ["exchange_sheet", "exchange_sheet_row"])
def test_readers_get_403(client, coordinator, member, name):
    for user in (coordinator, member):
        client.force_login(user)
        assert client.get(url(name, "G1")).status_code == 403
        assert client.post(url(name, "G1"), sheet({**BLANK, "giver": SRI})).status_code == 403
    assert not Exchange.objects.exists()


def test_sheet_page_offers_members_and_actors(client, world, facilitator, actor):
    client.force_login(facilitator)
    response = client.get(url("exchange_sheet", "G1"))
    body = response.content.decode()
    assert len(response.context["formset"].forms) == 5
    assert f'value="{SRI}"' in body and 'value="actor:A-PKK"' in body
    assert 'value="person:P-OTHER"' not in body
    # The add-row button works with htmx and, as a submit button, without it.
    assert 'hx-swap="beforeend"' in body
    assert f'formaction="{url("exchange_sheet_row", "G1")}"' in body


def test_sheet_saves_all_rows_as_confirmed_in_one_go(client, world, facilitator, actor):
    client.force_login(facilitator)
    response = client.post(
        url("exchange_sheet", "G1"),
        once(sheet(
            {**BLANK, "giver": SRI, "receiver": SITI, "resource": "loan", "amount": "500000", "unit": "IDR"},
            {**BLANK, "giver": "actor:A-PKK", "receiver": SRI, "resource": "knowledge", "note": "Pelatihan"},
            BLANK,
        )),
    )
    assert response["Location"] == url("group_detail", "G1")
    exchanges = list(Exchange.objects.order_by("pk"))
    assert len(exchanges) == 2
    assert all(x.status == ExchangeStatus.CONFIRMED for x in exchanges)
    assert all(x.logged_by == facilitator and x.confirmed_by == facilitator for x in exchanges)
    assert all(x.group == world.group and str(x.date) == "2026-06-01" for x in exchanges)
    assert exchanges[0].giver_person == world.member_person and exchanges[0].amount == 500000
    assert exchanges[1].giver_actor == actor and exchanges[1].note == "Pelatihan"


def test_a_saved_sheet_records_the_meeting_once_with_attendance_not_recorded(client, world, facilitator):
    # the group met that day: without it, the report would call a group that just met "quiet"
    client.force_login(facilitator)
    row = {**BLANK, "giver": SRI, "receiver": SITI, "resource": "money"}
    client.post(url("exchange_sheet", "G1"), once(sheet(row)))
    meeting = Activity.objects.get()
    assert (meeting.group, meeting.kind) == (world.group, ActivityKind.MEETING)
    assert str(meeting.date) == "2026-06-01"
    assert not meeting.attendees.exists()  # "attendance not recorded", never "nobody came"
    client.post(url("exchange_sheet", "G1"), once(sheet(row)))  # a second sheet of the same day
    assert Activity.objects.count() == 1 and Exchange.objects.count() == 2


def test_sheet_with_a_bad_row_saves_nothing_and_marks_that_row(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("exchange_sheet", "G1"),
        once(sheet(
            {**BLANK, "giver": SRI, "receiver": SITI, "resource": "money"},
            {**BLANK, "giver": SITI, "receiver": SITI, "resource": "goods"},
            {**BLANK, "giver": SRI, "resource": "labour", "amount": "-3"},
        )),
    )
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert not forms[0].errors
    assert "receiver" in forms[1].errors
    assert {"receiver", "amount"} <= set(forms[2].errors)
    assert response.content.decode().count('class="sheet-row has-errors"') == 2
    assert not Exchange.objects.exists() and not Activity.objects.exists()


@pytest.mark.parametrize(
    "row, field",
    [
        ({"giver": "person:P-OTHER", "receiver": SRI, "resource": "money"}, "giver"),
        ({"giver": SRI, "receiver": "actor:NOPE", "resource": "money"}, "receiver"),
        ({"giver": SRI, "receiver": SITI, "resource": "gold"}, "resource"),
        ({"giver": SRI, "receiver": SITI, "resource": "money", "amount": "lots"}, "amount"),
        ({"giver": SRI, "receiver": SITI, "resource": "money", "unit": "x" * 17}, "unit"),
    ],
)
def test_sheet_row_errors(client, world, facilitator, row, field):
    client.force_login(facilitator)
    response = client.post(url("exchange_sheet", "G1"), once(sheet({**BLANK, **row})))
    assert response.status_code == 200
    assert field in response.context["formset"].forms[0].errors
    assert not Exchange.objects.exists()


def test_sheet_failing_in_the_service_rolls_back_every_row(client, world, facilitator):
    """A row the database refuses after earlier rows were written: none of them stays."""
    real = exchange_services.record_exchange
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError("refused")
        return real(**kwargs)

    client.force_login(facilitator)
    with mock.patch("groups.services.registry.record_exchange", side_effect=second_fails):
        response = client.post(
            url("exchange_sheet", "G1"),
            once(sheet(
                {**BLANK, "giver": SRI, "receiver": SITI, "resource": "money"},
                {**BLANK, "giver": SITI, "receiver": SRI, "resource": "money"},
            )),
        )
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[1].non_field_errors() == ["refused"] and not forms[0].errors
    assert not Exchange.objects.exists()
    assert all(call["confirmed"] is True for call in calls)


def test_empty_sheet_asks_for_a_row(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(url("exchange_sheet", "G1"), once(sheet(BLANK, BLANK)))
    assert response.status_code == 200 and response.context["formset"].non_form_errors()


@pytest.mark.parametrize("date", ["", "2999-01-01", "besok"])
def test_sheet_date_errors(client, world, facilitator, date):
    client.force_login(facilitator)
    response = client.post(
        url("exchange_sheet", "G1"),
        once(sheet({**BLANK, "giver": SRI, "receiver": SITI, "resource": "money"}, date=date)),
    )
    assert response.status_code == 200 and "date" in response.context["sheet"].errors
    assert not Exchange.objects.exists()


@pytest.mark.parametrize("total", ["", "abc", "1000", "-1"])
def test_tampered_row_count_is_an_error_not_a_crash(client, world, facilitator, total):
    client.force_login(facilitator)
    data = sheet({**BLANK, "giver": SRI, "receiver": SITI, "resource": "money"})
    data["rows-TOTAL_FORMS"] = total
    response = client.post(url("exchange_sheet", "G1"), once(data))
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Exchange.objects.exists()


def test_sheet_by_htmx(client, world, facilitator):
    client.force_login(facilitator)
    assert b"<html" not in client.get(url("exchange_sheet", "G1"), **HTMX).content
    bad = client.post(url("exchange_sheet", "G1"), once(sheet({**BLANK, "giver": SRI})), **HTMX)
    assert bad.status_code == 200 and b"<html" not in bad.content and b"errorlist" in bad.content
    good = client.post(
        url("exchange_sheet", "G1"),
        once(sheet({**BLANK, "giver": SRI, "receiver": SITI, "resource": "care"})),
        **HTMX,
    )
    assert good["HX-Redirect"] == url("group_detail", "G1")
    assert Exchange.objects.count() == 1


def test_add_row_by_htmx_returns_one_row_and_the_new_count(client, world, facilitator):
    client.force_login(facilitator)
    response = client.get(url("exchange_sheet_row", "G1"), {"rows-TOTAL_FORMS": "5"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.count("<tr") == 1 and 'name="rows-5-giver"' in body
    assert 'id="id_rows-TOTAL_FORMS"' in body and 'value="6"' in body and 'hx-swap-oob="true"' in body


@pytest.mark.parametrize("count", ["", "x", "-1", "100"])
def test_add_row_by_htmx_with_a_bad_or_full_count_adds_nothing(client, world, facilitator, count):
    client.force_login(facilitator)
    response = client.get(url("exchange_sheet_row", "G1"), {"rows-TOTAL_FORMS": count}, **HTMX)
    assert response.status_code == 204


def test_add_row_without_js_keeps_what_was_typed_and_saves_nothing(client, world, facilitator):
    client.force_login(facilitator)
    response = client.post(
        url("exchange_sheet_row", "G1"),
        sheet(
            {
                **BLANK,
                "giver": SRI,
                "receiver": SITI,
                "resource": "loan",
                "amount": "25000",
                "note": "Untuk sekolah",
            },
            BLANK,
            date="2026-05-20",
        ),
    )
    assert response.status_code == 200 and b"<html" in response.content
    formset = response.context["formset"]
    assert len(formset.forms) == 3
    body = response.content.decode()
    assert f'<option value="{SRI}" selected>' in body
    assert 'value="Untuk sekolah"' in body and 'value="2026-05-20"' in body
    assert not any(form.errors for form in formset.forms)  # no red rows for unfinished input
    assert not Exchange.objects.exists()
    # Saving that page then records the typed row.
    saved = client.post(
        url("exchange_sheet", "G1"),
        once(sheet(
            {**BLANK, "giver": SRI, "receiver": SITI, "resource": "loan", "amount": "25000"},
            BLANK,
            BLANK,
        )),
    )
    assert saved.status_code == 302 and Exchange.objects.count() == 1


def test_add_row_plain_get_shows_one_more_row(client, world, facilitator):
    client.force_login(facilitator)
    response = client.get(url("exchange_sheet_row", "G1"), {"rows-TOTAL_FORMS": "5"})
    assert response.status_code == 200 and len(response.context["formset"].forms) == 6


def test_sheet_lists_only_current_members(client, world, facilitator):
    world.group.memberships.filter(person=world.member2_person).update(left_on="2026-01-01")
    client.force_login(facilitator)
    response = client.post(
        url("exchange_sheet", "G1"),
        once(sheet({**BLANK, "giver": SRI, "receiver": SITI, "resource": "money"})),
    )
    assert "receiver" in response.context["formset"].forms[0].errors
    assert not Exchange.objects.exists()
