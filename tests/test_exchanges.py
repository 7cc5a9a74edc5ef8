"""A member's exchanges: list, logging (with double-submit protection), detail, confirm and
dispute, summary; the facilitators' pending list. Through URLs and database state."""

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import access
from groups.forms.exchanges import AmountField, ExchangeForm
from groups.models import ActorKind, Exchange, ExchangeStatus, Resource
from groups.privacy import pseudonym
from groups.services import exchanges as services

from . import factories as f

HX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("groups:my_exchanges")
CREATE = reverse("groups:exchange_create")
SEARCH = reverse("groups:exchange_party_search")
PENDING = reverse("groups:exchange_pending")
SUMMARY = reverse("groups:my_summary")


def detail(x):
    return reverse("groups:exchange_detail", args=[x.ref])


def confirm(x):
    return reverse("groups:exchange_confirm", args=[x.ref])


def dispute(x):
    return reverse("groups:exchange_dispute", args=[x.ref])


def is_fragment(response) -> bool:
    return b"<html" not in response.content and b"<body" not in response.content


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def as_member2(client, member2):
    client.force_login(member2)
    return client


@pytest.fixture
def actor(world):
    """The village office of Sumberejo: in the member's scope."""
    return f.ActorFactory(ref="A-DESA", name="Pemerintah Desa Sumberejo", area=world.village,
                          kind=ActorKind.VILLAGE_GOVERNMENT)


@pytest.fixture
def far_actor(world):
    return f.ActorFactory(ref="A-FAR", name="Koperasi Jauh", area=world.other_village)


@pytest.fixture
def logged_with_member(world, member, member2):
    """Pending: member2 logged that they gave the member money; the member has to answer."""
    return f.ExchangeFactory(
        ref="X-WAIT", giver_person=world.member2_person, receiver_person=world.member_person,
        status=ExchangeStatus.PENDING, logged_by=member2, amount=Decimal("50000"), unit="IDR",
    )


@pytest.fixture
def logged_by_member(world, member, member2):
    """Pending: the member logged that they gave member2 care; member2 has to answer."""
    return f.ExchangeFactory(
        ref="X-MINE", giver_person=world.member_person, receiver_person=world.member2_person,
        resource=Resource.CARE, status=ExchangeStatus.PENDING, logged_by=member,
    )


@pytest.fixture
def strangers_exchange(world):
    """Between two people of the other village: nobody in `world`'s district may see it."""
    return f.ExchangeFactory(
        ref="X-FAR", giver_person=world.other_member_person,
        receiver_person=f.PersonFactory(area=world.other_village), status=ExchangeStatus.PENDING,
    )


def log_data(**overrides) -> dict:
    data = {
        "token": str(uuid.uuid4()),
        "direction": "gave",
        "party": "person:P-MEMBER2",
        "resource": Resource.MONEY,
        "date": timezone.localdate().isoformat(),
        "amount": "",
        "unit": "",
        "group": "",
        "note": "",
    }
    data.update(overrides)
    return data


# --- my_exchanges -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestMyExchanges:
    def test_anonymous_is_sent_to_login(self, client, world):
        response = client.get(LIST)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_login_without_a_person_is_403(self, client, facilitator):
        client.force_login(facilitator)
        assert client.get(LIST).status_code == 403

    def test_post_is_405(self, as_member):
        assert as_member.post(LIST).status_code == 405

    def test_lists_own_exchanges_and_what_waits(
        self, as_member, world, logged_with_member, logged_by_member, strangers_exchange
    ):
        between_others = f.ExchangeFactory(
            ref="X-OTHERS", giver_person=world.member2_person,
            receiver_person=f.PersonFactory(area=world.village), note="bukan urusanmu",
        )
        response = as_member.get(LIST)
        assert response.status_code == 200
        assert list(r.exchange for r in response.context["awaiting"]) == [logged_with_member]
        listed = {r.exchange.ref for r in response.context["rows"]}
        assert listed == {"X-WAIT", "X-MINE"}
        html = response.content.decode()
        assert confirm(logged_with_member) in html
        assert confirm(logged_by_member) not in html  # the logger does not confirm their own
        assert between_others.ref not in html and strangers_exchange.ref not in html

    def test_newest_first(self, as_member, world):
        old = f.ExchangeFactory(giver_person=world.member_person, date=dt.date(2025, 1, 1))
        new = f.ExchangeFactory(giver_person=world.member_person, date=dt.date(2026, 1, 1))
        rows = as_member.get(LIST).context["rows"]
        assert [r.exchange for r in rows] == [new, old]

    def test_htmx_gets_the_list_fragment(self, as_member, logged_with_member):
        response = as_member.get(LIST, {"page": "1"}, **HX)
        assert response.status_code == 200
        assert is_fragment(response)
        assert 'id="exchange-list"' in response.content.decode()

    def test_pages_and_bad_page_numbers(self, as_member, world):
        for day in range(25):
            f.ExchangeFactory(giver_person=world.member_person, date=dt.date(2026, 1, 1) + dt.timedelta(day))
        assert len(as_member.get(LIST).context["rows"]) == 20
        assert len(as_member.get(LIST, {"page": "2"}).context["rows"]) == 5
        for bad in ("0", "-1", "abc", "99999999999999999999", "2.5"):
            assert as_member.get(LIST, {"page": bad}).status_code == 200

    def test_query_count_does_not_grow_with_rows(
        self, as_member, world, member2, facilitator, django_assert_max_num_queries
    ):
        def add(n):
            for _ in range(n):
                actor = f.ActorFactory(area=world.village)
                f.ExchangeFactory(giver_person=world.member_person, receiver_person=f.PersonFactory(),
                                  logged_by=facilitator, confirmed_by=member2)
                f.ExchangeFactory(giver_person=None, giver_actor=actor, receiver_person=world.member_person,
                                  status=ExchangeStatus.PENDING, logged_by=facilitator, group=world.group)
                f.ExchangeFactory(giver_person=f.PersonFactory(consent_on=None),
                                  receiver_person=world.member_person,
                                  status=ExchangeStatus.PENDING, logged_by=member2)
        add(1)
        with CaptureQueriesContext(connection) as first:
            as_member.get(LIST)
        add(8)
        with django_assert_max_num_queries(len(first.captured_queries)):
            response = as_member.get(LIST)
        assert response.context["awaiting_count"] == 18
        assert len(response.context["awaiting"]) == 18

    def test_waiting_list_is_capped(self, as_member, world, member2):
        for _ in range(23):
            f.ExchangeFactory(giver_person=world.member2_person, receiver_person=world.member_person,
                              status=ExchangeStatus.PENDING, logged_by=member2)
        response = as_member.get(LIST)
        assert response.context["awaiting_count"] == 23 and len(response.context["awaiting"]) == 20
        assert "23" in response.content.decode()


# --- exchange_create and the party search -----------------------------------------------------


@pytest.mark.django_db
class TestExchangeCreate:
    def test_anonymous_is_sent_to_login(self, client, world):
        assert client.get(CREATE).status_code == 302
        assert client.post(CREATE, log_data()).status_code == 302
        assert Exchange.objects.count() == 0

    def test_login_without_a_person_is_403(self, client, facilitator):
        client.force_login(facilitator)
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, log_data()).status_code == 403
        assert Exchange.objects.count() == 0

    def test_put_is_405(self, as_member):
        assert as_member.put(CREATE).status_code == 405

    def test_entry_link_preselects_direction_and_today(self, as_member):
        response = as_member.get(CREATE, {"direction": "received"})
        html = response.content.decode()
        assert re.search(r'<input type="radio" name="direction" value="received"[^>]* checked', html)
        assert not re.search(r'<input type="radio" name="direction" value="gave"[^>]* checked', html)
        assert response.context["form"]["date"].value() == timezone.localdate()
        assert f'max="{timezone.localdate().isoformat()}"' in html

    def test_bad_query_string_is_ignored(self, as_member):
        response = as_member.get(CREATE, {"direction": "sideways", "q": "x" * 500})
        assert response.status_code == 200
        assert response.context["form"]["direction"].value() is None

    def test_search_without_javascript_lists_people_of_my_groups(self, as_member, world, actor, far_actor):
        f.PersonFactory(full_name="Siti Orang Jauh", area=world.other_village)
        response = as_member.get(CREATE, {"q": "Siti", "direction": "gave"})
        keys = [o.key for o in response.context["results"].options]
        assert keys == ["person:P-MEMBER2"]
        keys = [o.key for o in as_member.get(CREATE, {"q": "a"}).context["results"].options]
        assert "actor:A-DESA" in keys and "actor:A-FAR" not in keys
        assert "person:P-MEMBER" not in keys  # never oneself
        assert "person:P-OTHER" not in keys

    def test_logs_i_gave_as_pending(self, as_member, member, world):
        data = log_data(amount="50.000", unit="IDR", group="G1", note="arisan bulan ini")
        with translation.override("id"):
            response = as_member.post(CREATE, data, HTTP_ACCEPT_LANGUAGE="id")
        exchange = Exchange.objects.get()
        assert response.status_code == 302
        assert response.url == detail(exchange)
        assert exchange.ref == uuid.UUID(data["token"]).hex
        assert exchange.giver_person == world.member_person
        assert exchange.receiver_person == world.member2_person
        assert exchange.status == ExchangeStatus.PENDING
        assert exchange.logged_by == member and exchange.confirmed_by is None
        assert exchange.amount == Decimal("50000") and exchange.unit == "IDR"
        assert exchange.group == world.group and exchange.note == "arisan bulan ini"

    @pytest.mark.parametrize(
        "amount, unit, saved_unit",
        [("Rp 50.000", "", "IDR"), ("50rb", "", "IDR"), ("1,5 jt", "", "IDR"), ("50.000", "", ""),
         ("3", "jam", "jam"), ("Rp 50.000", "IDR", "IDR")],
    )
    def test_an_amount_written_in_rupiah_is_saved_as_idr(self, as_member, amount, unit, saved_unit):
        # the rupiah is what the by-value aid share counts: "Rp 50.000" must not lose it
        as_member.post(CREATE, log_data(amount=amount, unit=unit))
        assert Exchange.objects.get().unit == saved_unit

    def test_logs_i_received_from_an_actor(self, as_member, world, actor):
        as_member.post(CREATE, log_data(direction="received", party="actor:A-DESA", resource=Resource.GOODS))
        exchange = Exchange.objects.get()
        assert exchange.giver_actor == actor and exchange.giver_person is None
        assert exchange.receiver_person == world.member_person

    def test_double_submission_makes_one_exchange(self, as_member):
        data = log_data()
        first = as_member.post(CREATE, data)
        second = as_member.post(CREATE, data)
        assert Exchange.objects.count() == 1
        assert first.status_code == second.status_code == 302
        assert first.url == second.url == detail(Exchange.objects.get())

    def test_a_new_form_makes_a_second_exchange(self, as_member):
        as_member.post(CREATE, log_data())
        as_member.post(CREATE, log_data())
        assert Exchange.objects.count() == 2

    def test_someone_elses_token_is_refused(self, client, member, member2, world):
        token = uuid.uuid4()
        f.ExchangeFactory(ref=token.hex, giver_person=world.member2_person,
                          receiver_person=world.member_person, logged_by=member2)
        client.force_login(member)
        response = client.post(CREATE, log_data(token=str(token)))
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert Exchange.objects.count() == 1

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"date": "2999-01-01"}, "date"),
            ({"date": "31-31-2026"}, "date"),
            ({"date": ""}, "date"),
            ({"amount": "-5"}, "amount"),
            ({"amount": "abc"}, "amount"),
            ({"amount": "NaN"}, "amount"),
            ({"amount": "1e400"}, "amount"),
            ({"amount": "123456789012345678"}, "amount"),
            ({"unit": "IDR"}, "amount"),
            ({"unit": "x" * 17, "amount": "1"}, "unit"),
            ({"party": ""}, "party"),
            ({"party": "person:P-OTHER"}, "party"),
            ({"party": "person:P-MEMBER"}, "party"),
            ({"party": "actor:A-FAR"}, "party"),
            ({"party": "group:G1"}, "party"),
            ({"party": "person:"}, "party"),
            ({"direction": "took"}, "direction"),
            ({"resource": "gold"}, "resource"),
            ({"group": "H"}, "group"),
            ({"group": "G2"}, "group"),
            ({"note": "x" * 1001}, "note"),
            ({"token": "not-a-uuid"}, "token"),
            ({"token": ""}, "token"),
        ],
    )
    def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(
        self, as_member, world, far_actor, overrides, field
    ):
        if overrides.get("group") == "G2":  # the member is in G2, the other person is not
            f.MembershipFactory(person=world.member_person, group=world.group2)
        response = as_member.post(CREATE, log_data(**overrides))
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert Exchange.objects.count() == 0
        assert 'class="errorlist' in response.content.decode()

    def test_errors_are_in_the_users_language(self, as_member):
        as_member.cookies["django_language"] = "id"
        response = as_member.post(CREATE, log_data(date="2999-01-01"), HTTP_ACCEPT_LANGUAGE="id")
        with translation.override("id"):
            expected = str(translation.gettext("The date cannot be in the future."))
        assert expected in response.content.decode()

    def test_a_bad_token_gets_a_fresh_one_to_send_again(self, as_member):
        response = as_member.post(CREATE, log_data(token="nope"))
        fresh = response.context["form"].render_token
        assert isinstance(fresh, uuid.UUID)
        assert f'value="{fresh}"' in response.content.decode()

    def test_invalid_form_keeps_the_chosen_party(self, as_member):
        response = as_member.post(CREATE, log_data(date="2999-01-01"))
        options = response.context["results"].options
        assert options[0].key == "person:P-MEMBER2" and options[0].checked

    def test_people_without_consent_cannot_be_chosen(self, as_member, world):
        shy = f.PersonFactory(ref="P-SHY", full_name="Siti Tanpa Izin", area=world.village, consent_on=None)
        f.MembershipFactory(person=shy, group=world.group)
        assert as_member.get(CREATE, {"q": "Tanpa"}).context["results"].options == ()
        response = as_member.post(CREATE, log_data(party="person:P-SHY"))
        assert "party" in response.context["form"].errors
        assert Exchange.objects.count() == 0

    def test_former_members_cannot_be_chosen(self, as_member, world):
        gone = f.PersonFactory(ref="P-GONE", full_name="Sudah Keluar", area=world.village)
        f.MembershipFactory(person=gone, group=world.group, left_on=dt.date(2025, 1, 1))
        response = as_member.post(CREATE, log_data(party="person:P-GONE"))
        assert "party" in response.context["form"].errors

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        fields=st.fixed_dictionaries(
            {},
            optional={
                name: st.text(max_size=40)
                for name in ExchangeForm.base_fields
            },
        )
    )
    def test_random_input_never_causes_a_server_error(self, as_member, fields):
        fields = {k: v.replace("\x00", "") for k, v in fields.items()}
        before = Exchange.objects.count()
        response = as_member.post(CREATE, fields)
        assert response.status_code in (200, 302)
        assert Exchange.objects.count() == before + (response.status_code == 302)


@pytest.mark.django_db
class TestRecordExchangeOnce:
    def test_a_race_between_check_and_insert_returns_the_first(self, world, member, monkeypatch):
        token = uuid.uuid4()
        real = services._new_exchange

        def parallel_post_commits_first(**fields):
            f.ExchangeFactory(ref=token.hex, giver_person=world.member_person,
                              receiver_person=world.member2_person, logged_by=member)
            return real(**fields)

        monkeypatch.setattr(services, "_new_exchange", parallel_post_commits_first)
        exchange, created = services.record_exchange_once(
            token=token, giver=world.member_person, receiver=world.member2_person,
            resource=Resource.MONEY, logged_by=member,
        )
        assert not created
        assert exchange.ref == token.hex
        assert Exchange.objects.count() == 1

    def test_record_exchange_keeps_its_signature(self, world, facilitator):
        exchange = services.record_exchange(
            giver=world.member_person, receiver=world.member2_person, resource=Resource.LABOUR,
            logged_by=facilitator, confirmed=True,
        )
        assert exchange.status == ExchangeStatus.CONFIRMED and exchange.confirmed_by == facilitator


class TestAmountField:
    @pytest.mark.parametrize(
        "language, text, expected",
        [
            ("id", "50.000", Decimal("50000")),
            ("id", "Rp 1.500.000", Decimal("1500000")),
            ("id", "12,5", Decimal("12.5")),
            ("id", "12.5", Decimal("12.5")),
            ("id", "1.500,25", Decimal("1500.25")),
            ("en", "50,000", Decimal("50000")),
            ("en", "12.5", Decimal("12.5")),
            ("en", "0", Decimal("0")),
            ("en", "Rp 50.000", Decimal("50000")),
            ("en", "1.500.000", Decimal("1500000")),
            ("id", "1,500,000", Decimal("1500000")),
            ("id", "1 500 000", Decimal("1500000")),
            # Indonesian whatever the page's language: 50.000 is fifty thousand in English too.
            ("en", "50.000", Decimal("50000")),
            ("id", "1,500.25", Decimal("1500.25")),
        ],
    )
    def test_numbers_as_people_write_them(self, language, text, expected):
        with translation.override(language):
            assert AmountField().clean(text) == expected

    @pytest.mark.parametrize(
        "language, text", [("en", "1.2.3"), ("id", "0,125"), ("id", "Rp"), ("en", "12,5,0")]
    )
    def test_what_is_not_an_amount_is_refused(self, language, text):
        with translation.override(language), pytest.raises(ValidationError):
            AmountField().clean(text)


@pytest.mark.django_db
class TestPartySearch:
    def test_htmx_gets_a_fragment_of_choices(self, as_member, world):
        response = as_member.get(SEARCH, {"q": "siti"}, **HX)
        assert response.status_code == 200 and is_fragment(response)
        html = response.content.decode()
        assert 'value="person:P-MEMBER2"' in html and "Siti Maryati" in html

    def test_without_htmx_it_is_the_log_page(self, as_member):
        response = as_member.get(SEARCH, {"q": "siti"})
        assert response.status_code == 302
        assert response.url == f"{CREATE}?q=siti"

    def test_anonymous_wrong_role_and_method(self, client, facilitator, world):
        assert client.get(SEARCH, {"q": "siti"}, **HX).status_code == 302
        client.force_login(facilitator)
        assert client.get(SEARCH, {"q": "siti"}, **HX).status_code == 403
        assert client.post(SEARCH, {"q": "siti"}, **HX).status_code == 403  # by POST too
        assert client.put(SEARCH, **HX).status_code == 405

    def test_keeps_the_current_choice_first(self, as_member, actor):
        html = as_member.get(SEARCH, {"q": "zzz", "party": "actor:A-DESA"}, **HX).content.decode()
        assert 'value="actor:A-DESA" checked' in html
        assert html.count('name="party"') == 1

    def test_a_choice_outside_my_scope_is_dropped(self, as_member, far_actor):
        html = as_member.get(SEARCH, {"q": "", "party": "actor:A-FAR"}, **HX).content.decode()
        assert 'name="party"' not in html

    def test_empty_search_offers_recent_partners(self, as_member, world, actor, logged_with_member):
        f.ExchangeFactory(giver_person=None, giver_actor=actor, receiver_person=world.member_person,
                          date=dt.date(2026, 1, 1))
        html = as_member.get(SEARCH, {"q": ""}, **HX).content.decode()
        siti, desa = html.index('value="person:P-MEMBER2"'), html.index('value="actor:A-DESA"')
        assert siti < desa  # the most recent first
        assert html.count('name="party"') == 2

    def test_no_match_is_said_and_the_query_is_escaped(self, as_member):
        html = as_member.get(SEARCH, {"q": "<b>zz</b>"}, **HX).content.decode()
        assert "&lt;b&gt;zz&lt;/b&gt;" in html and "<b>zz</b>" not in html
        assert 'name="party"' not in html

    def test_many_matches_are_capped(self, as_member, world):
        for i in range(15):
            f.MembershipFactory(person=f.PersonFactory(full_name=f"Warga Sama {i}", area=world.village),
                                group=world.group)
        response = as_member.get(CREATE, {"q": "Sama"})
        results = response.context["results"]
        assert len(results.options) == 12 and results.more
        html = as_member.get(SEARCH, {"q": "Sama"}, **HX).content.decode()
        assert html.count('name="party"') == 12


# --- exchange_detail --------------------------------------------------------------------------


@pytest.mark.django_db
class TestExchangeDetail:
    def test_a_party_sees_it(self, as_member, logged_with_member):
        response = as_member.get(detail(logged_with_member))
        assert response.status_code == 200
        row = response.context["row"]
        assert row.can_confirm and row.gave is False
        html = response.content.decode()
        assert "Siti Maryati" in html and confirm(logged_with_member) in html

    def test_the_logger_sees_it_without_confirm(self, as_member, logged_by_member):
        response = as_member.get(detail(logged_by_member))
        assert response.status_code == 200
        assert not response.context["row"].can_confirm
        assert confirm(logged_by_member) not in response.content.decode()

    def test_anonymous_is_sent_to_login(self, client, logged_with_member):
        assert client.get(detail(logged_with_member)).status_code == 302

    def test_an_outsider_gets_404(self, client, other_member, logged_with_member):
        client.force_login(other_member)
        assert client.get(detail(logged_with_member)).status_code == 404

    def test_a_member_of_the_same_group_who_is_not_a_party_gets_404(self, client, world, logged_with_member):
        third = f.PersonFactory(area=world.village, user=f.UserFactory())
        f.MembershipFactory(person=third, group=world.group)
        client.force_login(third.user)
        assert client.get(detail(logged_with_member)).status_code == 404

    def test_unknown_ref_is_404(self, as_member):
        assert as_member.get(reverse("groups:exchange_detail", args=["NOPE"])).status_code == 404

    def test_post_is_405(self, as_member, logged_with_member):
        assert as_member.post(detail(logged_with_member)).status_code == 405

    def test_htmx_gets_the_card(self, as_member, logged_with_member):
        response = as_member.get(detail(logged_with_member), **HX)
        assert response.status_code == 200 and is_fragment(response)
        assert 'class="card xcard"' in response.content.decode()

    def test_the_facilitator_may_confirm(self, client, facilitator, logged_with_member):
        client.force_login(facilitator)
        response = client.get(detail(logged_with_member))
        assert response.context["row"].can_confirm

    def test_a_coordinator_without_names_sees_pseudonyms(self, client, coordinator, logged_with_member):
        client.force_login(coordinator)
        response = client.get(detail(logged_with_member))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Siti Maryati" not in html and pseudonym("P-MEMBER2") in html
        assert not response.context["row"].can_confirm

    def test_user_content_is_escaped(self, as_member, world, member2):
        x = f.ExchangeFactory(giver_person=world.member2_person, receiver_person=world.member_person,
                              note="<script>alert(1)</script>", logged_by=member2)
        html = as_member.get(detail(x)).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


# --- exchange_confirm and exchange_dispute ----------------------------------------------------


@pytest.mark.django_db
class TestConfirmAndDispute:
    def test_the_other_side_confirms(self, as_member, member, logged_with_member):
        response = as_member.post(confirm(logged_with_member), {"next": LIST})
        assert response.status_code == 302 and response.url == LIST
        logged_with_member.refresh_from_db()
        assert logged_with_member.status == ExchangeStatus.CONFIRMED
        assert logged_with_member.confirmed_by == member

    def test_the_other_side_disputes(self, as_member, member, logged_with_member):
        response = as_member.post(dispute(logged_with_member))
        assert response.status_code == 302 and response.url == detail(logged_with_member)
        logged_with_member.refresh_from_db()
        assert logged_with_member.status == ExchangeStatus.DISPUTED
        assert logged_with_member.confirmed_by == member

    @pytest.mark.parametrize("url", [confirm, dispute])
    def test_a_member_cannot_answer_what_they_logged(self, as_member, logged_by_member, url):
        assert as_member.post(url(logged_by_member)).status_code == 403
        logged_by_member.refresh_from_db()
        assert logged_by_member.status == ExchangeStatus.PENDING

    @pytest.mark.parametrize("url", [confirm, dispute])
    def test_an_outsider_gets_404(self, client, other_member, logged_with_member, url):
        client.force_login(other_member)
        assert client.post(url(logged_with_member)).status_code == 404
        logged_with_member.refresh_from_db()
        assert logged_with_member.status == ExchangeStatus.PENDING

    @pytest.mark.parametrize("url", [confirm, dispute])
    def test_a_coordinator_reads_but_may_not_answer(self, client, coordinator, logged_with_member, url):
        client.force_login(coordinator)
        assert client.post(url(logged_with_member)).status_code == 403

    @pytest.mark.parametrize("url", [confirm, dispute])
    def test_anonymous_and_get(self, client, member, logged_with_member, url):
        assert client.post(url(logged_with_member)).status_code == 302
        client.force_login(member)
        assert client.get(url(logged_with_member)).status_code == 405
        logged_with_member.refresh_from_db()
        assert logged_with_member.status == ExchangeStatus.PENDING

    def test_a_facilitator_confirms_for_people_they_look_after(self, client, facilitator, logged_by_member):
        client.force_login(facilitator)
        client.post(confirm(logged_by_member))
        logged_by_member.refresh_from_db()
        assert logged_by_member.status == ExchangeStatus.CONFIRMED
        assert logged_by_member.confirmed_by == facilitator

    def test_another_facilitator_gets_404(self, client, other_facilitator, logged_by_member):
        client.force_login(other_facilitator)
        assert client.post(confirm(logged_by_member)).status_code == 404

    def test_confirm_after_dispute_does_nothing(self, client, member, facilitator, logged_with_member):
        assert services.dispute_exchange(exchange=logged_with_member, by=member)
        client.force_login(facilitator)
        response = client.post(confirm(logged_with_member), follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        logged_with_member.refresh_from_db()
        assert logged_with_member.status == ExchangeStatus.DISPUTED
        assert logged_with_member.confirmed_by == member
        assert [m.level for m in response.context["messages"]] == [messages.INFO]
        assert "Someone answered this exchange first; it stays disputed." in response.content.decode()

    def test_htmx_gets_the_updated_card(self, as_member, logged_with_member):
        response = as_member.post(confirm(logged_with_member), **HX)
        assert response.status_code == 200 and is_fragment(response)
        html = response.content.decode()
        assert 'badge confirmed' in html and confirm(logged_with_member) not in html
        # htmx answers leave no flash message behind for the next page
        assert not list(response.wsgi_request._messages)

    def test_htmx_second_answer_says_someone_was_first(self, as_member, logged_with_member):
        as_member.post(dispute(logged_with_member), **HX)
        response = as_member.post(confirm(logged_with_member), **HX)
        assert response.status_code == 200 and "badge disputed" in response.content.decode()
        logged_with_member.refresh_from_db()
        assert logged_with_member.status == ExchangeStatus.DISPUTED

    @pytest.mark.parametrize(
        "next_url",
        ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "0", ":", "home", "/\\x"],
    )
    def test_next_elsewhere_is_ignored(self, as_member, logged_with_member, next_url):
        response = as_member.post(confirm(logged_with_member), {"next": next_url})
        assert response.url == detail(logged_with_member)


# --- exchange_pending (facilitators) ----------------------------------------------------------


@pytest.mark.django_db
class TestExchangePending:
    def test_lists_pending_exchanges_of_my_people(
        self, client, facilitator, logged_with_member, logged_by_member, strangers_exchange, world
    ):
        f.ExchangeFactory(ref="X-DONE", giver_person=world.member_person, status=ExchangeStatus.CONFIRMED)
        client.force_login(facilitator)
        response = client.get(PENDING)
        assert response.status_code == 200
        assert {r.exchange.ref for r in response.context["rows"]} == {"X-WAIT", "X-MINE"}
        # the list's shortcut must agree with the access rule, row by row
        from groups.access import Scope

        assert all(Scope(facilitator).can_confirm(r.exchange) for r in response.context["rows"])
        assert confirm(logged_by_member) in response.content.decode()

    def test_filters_by_group(self, client, facilitator, world, logged_with_member):
        world.group2.facilitators.add(facilitator)
        other = f.PersonFactory(area=world.village2)
        f.MembershipFactory(person=other, group=world.group2)
        f.ExchangeFactory(ref="X-G2", giver_person=other, status=ExchangeStatus.PENDING)
        client.force_login(facilitator)
        assert {r.exchange.ref for r in client.get(PENDING).context["rows"]} == {"X-WAIT", "X-G2"}
        rows = client.get(PENDING, {"group": "G2"}).context["rows"]
        assert [r.exchange.ref for r in rows] == ["X-G2"]

    def test_someone_elses_group_is_a_form_error(self, client, facilitator, logged_with_member):
        client.force_login(facilitator)
        response = client.get(PENDING, {"group": "H"})
        assert response.status_code == 200
        assert "group" in response.context["form"].errors
        assert 'class="errorlist' in response.content.decode()

    def test_a_member_gets_403(self, as_member):
        assert as_member.get(PENDING).status_code == 403

    def test_anonymous_and_post(self, client, facilitator, world):
        assert client.get(PENDING).status_code == 302
        client.force_login(facilitator)
        assert client.post(PENDING).status_code == 405

    def test_another_facilitator_sees_none_of_mine(self, client, other_facilitator, logged_with_member):
        client.force_login(other_facilitator)
        assert client.get(PENDING).context["rows"] == []

    def test_htmx_gets_the_list_fragment(self, client, facilitator, logged_with_member):
        client.force_login(facilitator)
        response = client.get(PENDING, **HX)
        assert response.status_code == 200 and is_fragment(response)
        assert 'id="pending-list"' in response.content.decode()

    def test_query_count_does_not_grow_with_rows(
        self, client, facilitator, world, django_assert_max_num_queries
    ):
        logger = f.UserFactory(username="pencatat")
        f.PersonFactory(area=world.village, user=logger)

        def add(n):
            for _ in range(n):
                person = f.PersonFactory(area=world.village)
                f.MembershipFactory(person=person, group=world.group)
                f.ExchangeFactory(giver_person=person, receiver_person=world.member_person,
                                  status=ExchangeStatus.PENDING, logged_by=logger, group=world.group)
                f.ExchangeFactory(giver_person=None, giver_actor=f.ActorFactory(), receiver_person=person,
                                  status=ExchangeStatus.PENDING, logged_by=facilitator)
        client.force_login(facilitator)
        add(1)
        with CaptureQueriesContext(connection) as first:
            client.get(PENDING)
        add(9)
        with django_assert_max_num_queries(len(first.captured_queries)):
            response = client.get(PENDING)
        assert len(response.context["rows"]) == 20


# --- my_summary -------------------------------------------------------------------------------


@pytest.fixture
def summary_fixture(world, member, member2, actor):
    """By hand: the member gave Siti money twice (Rp 50.000 confirmed, Rp 20.000 pending) and
    3 hours of labour; received Rp 10.000 from Siti and goods (no amount) from the village
    office; one disputed gift of Rp 999 to Siti does not count."""
    me, siti = world.member_person, world.member2_person
    f.ExchangeFactory(giver_person=me, receiver_person=siti, amount=Decimal("50000"), unit="IDR")
    f.ExchangeFactory(giver_person=me, receiver_person=siti, amount=Decimal("20000"), unit="IDR",
                      status=ExchangeStatus.PENDING, logged_by=member)
    f.ExchangeFactory(giver_person=me, receiver_person=siti, resource=Resource.LABOUR,
                      amount=Decimal("3"), unit="hours")
    f.ExchangeFactory(giver_person=siti, receiver_person=me, amount=Decimal("10000"), unit="IDR")
    f.ExchangeFactory(giver_person=None, giver_actor=actor, receiver_person=me, resource=Resource.GOODS)
    f.ExchangeFactory(giver_person=me, receiver_person=siti, amount=Decimal("999"), unit="IDR",
                      status=ExchangeStatus.DISPUTED)
    f.ExchangeFactory(giver_person=siti, receiver_person=f.PersonFactory(), amount=Decimal("7"), unit="IDR")


@pytest.mark.django_db
class TestMySummary:
    def test_figures_checked_by_hand(self, world, summary_fixture):
        namer = access.Scope(world.member_person.user)
        summary = services.member_summary(person=world.member_person, namer=namer)
        given = {t.resource: (t.count, t.amounts) for t in summary.given}
        received = {t.resource: (t.count, t.amounts) for t in summary.received}
        assert given == {
            Resource.MONEY: (2, (("IDR", Decimal("70000")),)),
            Resource.LABOUR: (1, (("hours", Decimal("3")),)),
        }
        assert received == {
            Resource.MONEY: (1, (("IDR", Decimal("10000")),)),
            Resource.GOODS: (1, ()),
        }
        assert summary.given_count == 3 and summary.received_count == 2 and summary.pending == 1
        partners = {p.name: (p.given, p.received, p.is_actor) for p in summary.partners}
        assert partners == {"Siti Maryati": (3, 1, False), "Pemerintah Desa Sumberejo": (0, 1, True)}
        siti = summary.partners[0]
        assert list(siti.given_resources) == [Resource.MONEY.label, Resource.LABOUR.label]

    def test_page_shows_them(self, as_member, summary_fixture):
        with translation.override("en"):
            response = as_member.get(SUMMARY, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        html = response.content.decode()
        assert "70,000 IDR" in html and "10,000 IDR" in html and "3 hours" in html
        assert "Siti Maryati" in html and "Pemerintah Desa Sumberejo" in html

    def test_partners_without_consent_are_pseudonymised(self, as_member, world):
        shy = f.PersonFactory(ref="P-SHY", full_name="Nama Rahasia", consent_on=None, area=world.village)
        f.ExchangeFactory(giver_person=shy, receiver_person=world.member_person)
        html = as_member.get(SUMMARY).content.decode()
        assert "Nama Rahasia" not in html and pseudonym("P-SHY") in html

    def test_empty(self, as_member):
        response = as_member.get(SUMMARY)
        assert response.status_code == 200
        assert response.context["summary"].partners == ()

    def test_anonymous_wrong_role_and_method(self, client, facilitator, member):
        assert client.get(SUMMARY).status_code == 302
        client.force_login(facilitator)
        assert client.get(SUMMARY).status_code == 403
        client.force_login(member)
        assert client.post(SUMMARY).status_code == 405
