"""The landing page shows each role what it needs first, with a constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Exchange, ExchangeStatus

from . import factories as f

HOME = reverse("groups:home")
GAVE = reverse("groups:exchange_create") + "?direction=gave"
RECEIVED = reverse("groups:exchange_create") + "?direction=received"
GROUP_CREATE = reverse("groups:group_create")


def pending(giver, receiver, logged_by=None, **kwargs) -> Exchange:
    return f.ExchangeFactory(giver_person=giver, receiver_person=receiver,
                             status=ExchangeStatus.PENDING, logged_by=logged_by, **kwargs)


@pytest.mark.django_db
class TestHome:
    def test_anonymous_is_sent_to_login(self, client, world):
        response = client.get(HOME)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_post_is_405(self, client, member):
        client.force_login(member)
        assert client.post(HOME).status_code == 405

    def test_member_sees_what_waits_quick_buttons_and_groups(self, client, world, member, member2):
        pending(world.member2_person, world.member_person, logged_by=member2)
        pending(world.member_person, world.member2_person, logged_by=member)  # theirs to answer
        client.force_login(member)
        response = client.get(HOME)
        html = response.content.decode()
        assert response.context["waiting_count"] == 1
        assert f'href="{reverse("groups:my_exchanges")}#waiting"' in html
        assert f'href="{GAVE}"' in html and f'href="{RECEIVED}"' in html
        assert "Arisan RT 03" in html and reverse("groups:group_detail", args=["G1"]) in html
        assert "Karang Taruna" not in html
        assert GROUP_CREATE not in html  # not a facilitator

    def test_member_with_nothing_waiting(self, client, member):
        client.force_login(member)
        response = client.get(HOME)
        assert response.context["waiting_count"] == 0
        assert f'{reverse("groups:my_exchanges")}#waiting' not in response.content.decode()

    def test_facilitator_sees_groups_members_and_pending(self, client, world, facilitator, member2):
        pending(world.member2_person, world.member_person, logged_by=member2)
        pending(world.member_person, f.PersonFactory(area=world.village))
        f.ExchangeFactory(giver_person=world.member_person, status=ExchangeStatus.CONFIRMED)
        f.ExchangeFactory(giver_person=world.member_person, status=ExchangeStatus.DISPUTED)
        pending(world.other_member_person, f.PersonFactory(area=world.other_village))
        client.force_login(facilitator)
        response = client.get(HOME)
        html = response.content.decode()
        groups = list(response.context["facilitated_groups"])
        assert [(g.ref, g.member_count, g.pending_count) for g in groups] == [("G1", 2, 2)]
        assert response.context["pending_total"] == 2
        assert f'{reverse("groups:exchange_pending")}?group=G1' in html
        assert GROUP_CREATE in html
        assert "Kelompok Lain" not in html
        assert f'href="{GAVE}"' not in html  # no person behind this login

    def test_pending_count_matches_the_pending_page(self, client, world, facilitator):
        gone = f.PersonFactory(area=world.other_village)
        f.MembershipFactory(person=gone, group=world.group, left_on=dt.date(2025, 6, 1))
        pending(gone, f.PersonFactory(area=world.other_village))  # left the group: not counted there
        pending(world.member_person, world.member2_person)  # both members: counted once
        client.force_login(facilitator)
        counted = client.get(HOME).context["facilitated_groups"][0].pending_count
        listed = client.get(reverse("groups:exchange_pending"), {"group": "G1"}).context["page"]
        assert counted == listed.paginator.count == 1

    def test_coordinator_sees_areas_with_their_reports(self, client, world, coordinator):
        client.force_login(coordinator)
        response = client.get(HOME)
        html = response.content.decode()
        assert [a.ref for a in response.context["coordinated_areas"]] == ["D"]
        assert reverse("groups:report_dashboard", args=["D"]) in html
        assert "Kecamatan Lain" not in html
        assert GROUP_CREATE not in html

    def test_member_is_greeted_by_their_own_name(self, client, world, member):
        world.member_person.nickname = "Bu Sri"
        world.member_person.save()
        client.force_login(member)
        assert "Bu Sri" in client.get(HOME).content.decode()

    def test_a_login_without_any_role_is_told_what_to_do(self, client, world):
        client.force_login(f.UserFactory(username="kosong"))
        response = client.get(HOME)
        assert response.status_code == 200
        assert 'class="explain"' in response.content.decode()

    def test_member_nav_links_to_my_exchanges(self, client, member, facilitator):
        client.force_login(member)
        assert f'href="{reverse("groups:my_exchanges")}"' in client.get(HOME).content.decode()
        client.force_login(facilitator)
        assert f'href="{reverse("groups:my_exchanges")}"' not in client.get(HOME).content.decode()

    def test_facilitator_query_count_does_not_grow_with_groups(
        self, client, world, facilitator, django_assert_max_num_queries
    ):
        def add(n):
            for _ in range(n):
                group = f.GroupFactory(area=world.village)
                group.facilitators.add(facilitator)
                people = [f.PersonFactory(area=world.village) for _ in range(2)]
                for person in people:
                    f.MembershipFactory(person=person, group=group)
                pending(*people, group=group)

        client.force_login(facilitator)
        add(1)
        with CaptureQueriesContext(connection) as first:
            client.get(HOME)
        add(6)
        with django_assert_max_num_queries(len(first.captured_queries)):
            response = client.get(HOME)
        assert len(response.context["facilitated_groups"]) == 8

    def test_member_query_count_does_not_grow_with_groups(
        self, client, world, member, member2, django_assert_max_num_queries
    ):
        def add(n):
            for _ in range(n):
                f.MembershipFactory(person=world.member_person, group=f.GroupFactory(area=world.village))
                pending(world.member2_person, world.member_person, logged_by=member2)

        client.force_login(member)
        add(1)
        with CaptureQueriesContext(connection) as first:
            client.get(HOME)
        add(6)
        with django_assert_max_num_queries(len(first.captured_queries)):
            response = client.get(HOME)
        assert len(response.context["member_groups"]) == 8
