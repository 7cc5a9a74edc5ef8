"""Amounts are read the Indonesian way, by one rule, in the member form, the meeting sheet,
the CSV import and the "read as" answer while typing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from groups.amounts import AmountError, format_amount, parse_amount

from .factories import once


@pytest.mark.parametrize(
    "text, expected",
    [
        ("50000", "50000"),
        ("50.000", "50000"),
        ("Rp 50.000", "50000"),
        ("Rp50.000", "50000"),
        ("rp. 50.000", "50000"),
        ("Rp 50.000,-", "50000"),
        ("1.500.000", "1500000"),
        ("1.500.000,50", "1500000.50"),
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("12,50", "12.50"),
        # A separator before exactly three digits groups thousands (amounts have two decimals).
        ("50,000", "50000"),
        ("1,500,000.50", "1500000.50"),
        ("Rp50rb", "50000"),
        ("50 ribu", "50000"),
        ("50k", "50000"),
        ("1,5 jt", "1500000"),
        ("1.5jt", "1500000"),
        ("2 juta", "2000000"),
        ("0", "0"),
        ("", None),
        ("  ", None),
    ],
)
def test_amounts_as_people_write_them(text, expected):
    assert parse_amount(text) == (Decimal(expected) if expected is not None else None)


@pytest.mark.parametrize(
    "text, words",
    [
        ("lima puluh", "is not an amount"),
        ("1.2.3", "is not an amount"),
        ("50.000.00", "is not an amount"),
        ("Rp", "is not an amount"),
        ("0,125", "more than two decimals"),
        ("-5", "cannot be negative"),
        ("9.999.999.999.999", "too large"),
    ],
)
def test_what_is_not_an_amount_says_why_in_english(text, words):
    with translation.override("en"), pytest.raises(AmountError) as raised:
        parse_amount(text)
    assert words in raised.value.message


def test_the_message_is_indonesian_on_indonesian_pages():
    with translation.override("id"), pytest.raises(AmountError) as raised:
        parse_amount("lima puluh")
    assert "bukan jumlah" in raised.value.message


@pytest.mark.parametrize(
    "amount, shown",
    [("50000", "50.000"), ("1500000.50", "1.500.000,50"), ("12.5", "12,50"), ("0", "0")],
)
def test_amounts_are_shown_the_indonesian_way(amount, shown):
    assert format_amount(Decimal(amount)) == shown


# --- the answer while typing ------------------------------------------------------------


@pytest.mark.django_db
def test_read_as_shows_what_was_understood(client, facilitator):
    client.force_login(facilitator)
    with translation.override("en"):
        response = client.get(
            reverse("groups:amount_read"), {"rows-3-amount": "50,000"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert "Read as 50.000." in response.content.decode()


@pytest.mark.django_db
def test_read_as_in_indonesian_and_its_errors(client, facilitator):
    client.force_login(facilitator)
    client.cookies["django_language"] = "id"
    ok = client.get(reverse("groups:amount_read"), {"amount": "Rp50rb"}, HTTP_ACCEPT_LANGUAGE="id")
    assert "Dibaca sebagai 50.000." in ok.content.decode()
    bad = client.get(reverse("groups:amount_read"), {"amount": "abc"}, HTTP_ACCEPT_LANGUAGE="id")
    assert "bukan jumlah" in bad.content.decode()


@pytest.mark.django_db
def test_read_as_needs_a_login_and_a_get(client, facilitator):
    assert client.get(reverse("groups:amount_read"), {"amount": "1"}).status_code == 302
    client.force_login(facilitator)
    assert client.post(reverse("groups:amount_read")).status_code == 405


# --- the same rule in the sheet and the import --------------------------------------------


@pytest.mark.django_db
def test_the_meeting_sheet_reads_50_000_as_fifty_thousand(client, world, facilitator):
    from groups.models import Exchange

    client.force_login(facilitator)
    data = {
        "date": "2026-01-10",
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "rows-0-giver": f"person:{world.member_person.ref}",
        "rows-0-receiver": f"person:{world.member2_person.ref}",
        "rows-0-resource": "money",
        "rows-0-amount": "50.000",
        "rows-0-unit": "IDR",
    }
    response = client.post(reverse("groups:exchange_sheet", args=["G1"]), once(data))
    assert response.status_code == 302
    assert Exchange.objects.get().amount == Decimal("50000")


@pytest.mark.django_db
def test_the_meeting_sheet_saves_rp_without_a_unit_as_idr(client, world, facilitator):
    from groups.models import Exchange

    client.force_login(facilitator)
    data = {
        "date": "2026-01-10",
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-giver": f"person:{world.member_person.ref}",
        "rows-0-receiver": f"person:{world.member2_person.ref}",
        "rows-0-resource": "money",
        "rows-0-amount": "Rp 50.000",
        "rows-1-giver": f"person:{world.member2_person.ref}",
        "rows-1-receiver": f"person:{world.member_person.ref}",
        "rows-1-resource": "labour",
        "rows-1-amount": "3",
        "rows-1-unit": "jam",
    }
    response = client.post(reverse("groups:exchange_sheet", args=["G1"]), once(data))
    assert response.status_code == 302
    units = dict(Exchange.objects.values_list("resource", "unit"))
    assert units == {"money": "IDR", "labour": "jam"}


def test_the_import_uses_the_same_rule():
    from groups.transfer import parsing

    assert parsing.amount("Rp 1.500.000") == Decimal("1500000")
    with translation.override("en"), pytest.raises(parsing.Invalid) as raised:
        parsing.amount("lima")
    assert "is not an amount" in raised.value.message
