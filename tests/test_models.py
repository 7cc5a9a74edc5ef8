"""Each database rule rejects bad data, whatever path it comes by (no form involved here)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from groups.models import (
    Area,
    AreaLevel,
    Exchange,
    ExchangeStatus,
    Group,
    Membership,
    NormReview,
    Person,
    Resource,
    in_subtree,
)

from . import factories as f


def rejects(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


@pytest.mark.django_db
class TestExchangeRules:
    def test_a_valid_exchange_is_stored(self):
        exchange = f.ExchangeFactory(amount=Decimal("50000"), unit="IDR")
        assert Exchange.objects.get(pk=exchange.pk).amount == Decimal("50000")

    def test_self_exchange_is_rejected(self):
        person = f.PersonFactory()
        rejects(lambda: f.ExchangeFactory(giver_person=person, receiver_person=person))
        assert Exchange.objects.count() == 0

    def test_actor_to_same_actor_is_rejected(self):
        actor = f.ActorFactory()
        rejects(
            lambda: f.ExchangeFactory(
                giver_person=None, giver_actor=actor, receiver_person=None, receiver_actor=actor
            )
        )

    def test_exchange_with_no_giver_is_rejected(self):
        rejects(lambda: f.ExchangeFactory(giver_person=None))

    def test_exchange_with_no_receiver_is_rejected(self):
        rejects(lambda: f.ExchangeFactory(receiver_person=None))

    def test_a_side_cannot_be_both_person_and_actor(self):
        actor = f.ActorFactory()
        rejects(lambda: f.ExchangeFactory(giver_actor=actor))

    def test_negative_amount_is_rejected(self):
        rejects(lambda: f.ExchangeFactory(amount=Decimal("-1")))

    def test_unknown_resource_is_rejected(self):
        rejects(lambda: f.ExchangeFactory(resource="gold"))

    def test_unknown_status_is_rejected(self):
        rejects(lambda: f.ExchangeFactory(status="lost"))

    def test_actor_to_person_is_allowed(self):
        actor = f.ActorFactory()
        exchange = f.ExchangeFactory(giver_person=None, giver_actor=actor, resource=Resource.LOAN)
        assert exchange.giver == actor

    def test_duplicate_ref_is_rejected(self):
        f.ExchangeFactory(ref="X-1")
        rejects(lambda: f.ExchangeFactory(ref="X-1"))

    def test_blank_ref_is_rejected(self):
        rejects(lambda: f.ExchangeFactory(ref=""))

    def test_a_person_with_exchanges_cannot_be_deleted(self):
        exchange = f.ExchangeFactory()
        with pytest.raises(ProtectedError):
            exchange.giver_person.delete()

    def test_deleting_a_group_keeps_its_exchanges(self):
        group = f.GroupFactory()
        exchange = f.ExchangeFactory(group=group)
        group.delete()
        exchange.refresh_from_db()
        assert exchange.group is None

    def test_default_status_is_pending(self):
        giver, receiver = f.PersonFactory(), f.PersonFactory()
        exchange = Exchange.objects.create(
            giver_person=giver, receiver_person=receiver, resource=Resource.GOODS
        )
        assert exchange.status == ExchangeStatus.PENDING
        assert exchange.ref  # generated when not given


@pytest.mark.django_db
class TestMembershipRules:
    def test_second_open_membership_of_same_pair_is_rejected(self):
        membership = f.MembershipFactory()
        rejects(lambda: f.MembershipFactory(person=membership.person, group=membership.group))
        assert Membership.objects.count() == 1

    def test_history_allows_rejoining_after_leaving(self):
        first = f.MembershipFactory(joined_on=dt.date(2020, 1, 1), left_on=dt.date(2021, 1, 1))
        again = f.MembershipFactory(person=first.person, group=first.group, joined_on=dt.date(2022, 1, 1))
        assert Membership.objects.filter(person=again.person, group=again.group).count() == 2

    def test_leaving_before_joining_is_rejected(self):
        rejects(lambda: f.MembershipFactory(joined_on=dt.date(2024, 5, 1), left_on=dt.date(2024, 4, 1)))

    def test_unknown_role_is_rejected(self):
        rejects(lambda: f.MembershipFactory(role="king"))

    def test_one_person_in_many_groups_is_one_person(self):
        person = f.PersonFactory()
        f.MembershipFactory(person=person)
        f.MembershipFactory(person=person)
        assert Person.objects.count() == 1
        assert person.memberships.count() == 2


@pytest.mark.django_db
class TestOtherRules:
    def test_norm_review_rating_must_be_1_to_5(self):
        norm = f.NormFactory()
        rejects(lambda: NormReview.objects.create(norm=norm, rating=6))
        rejects(lambda: NormReview.objects.create(norm=norm, rating=0))
        NormReview.objects.create(norm=norm, rating=5)
        assert norm.reviews.count() == 1

    def test_blank_norm_statement_is_rejected(self):
        rejects(lambda: f.NormFactory(statement=""))

    def test_retired_norm_must_not_be_active(self):
        rejects(lambda: f.NormFactory(is_active=True, retired_on=dt.date(2025, 1, 1)))

    def test_unknown_group_kind_is_rejected(self):
        rejects(lambda: f.GroupFactory(kind="gang"))

    def test_latitude_out_of_range_is_rejected(self):
        rejects(lambda: f.GroupFactory(latitude=Decimal("91"), longitude=Decimal("110")))

    def test_latitude_without_longitude_is_rejected(self):
        rejects(lambda: f.GroupFactory(latitude=Decimal("-7.3")))

    def test_birth_year_out_of_range_is_rejected(self):
        rejects(lambda: f.PersonFactory(birth_year=1800))

    def test_unknown_gender_is_rejected(self):
        rejects(lambda: f.PersonFactory(gender="x"))

    def test_village_needs_a_parent_area(self):
        rejects(lambda: Area.objects.create(ref="V", name="Desa", level=AreaLevel.VILLAGE))

    def test_area_with_groups_cannot_be_deleted(self):
        group = f.GroupFactory()
        with pytest.raises(ProtectedError):
            group.area.delete()
        assert Group.objects.count() == 1

    def test_area_subtree_reaches_four_levels(self):
        province = f.AreaFactory(level=AreaLevel.PROVINCE)
        regency = f.AreaFactory(level=AreaLevel.REGENCY, parent=province)
        district = f.AreaFactory(level=AreaLevel.DISTRICT, parent=regency)
        village = f.VillageFactory(parent=district)
        elsewhere = f.VillageFactory()
        subtree = set(Area.objects.subtree(province))
        assert {province, regency, district, village} <= subtree
        assert elsewhere not in subtree
        assert set(Area.objects.subtree(district)) == {district, village}

    def test_area_chain_reaches_four_levels_up(self):
        province = f.AreaFactory(level=AreaLevel.PROVINCE)
        regency = f.AreaFactory(level=AreaLevel.REGENCY, parent=province)
        district = f.AreaFactory(level=AreaLevel.DISTRICT, parent=regency)
        village = f.VillageFactory(parent=district)
        elsewhere = f.VillageFactory()
        assert village.ancestors() == [province, regency, district]
        assert province.ancestors() == []
        chain = {province.pk, regency.pk, district.pk, village.pk}
        assert Area.objects.filter(pk=village.pk).chain_ids() == chain
        assert {a.pk for a in Area.objects.filter(pk=village.pk).with_ancestors()} == chain
        assert set(Area.objects.filter(pk=district.pk).with_ancestors()) == {province, regency, district}
        assert elsewhere.pk not in Area.objects.filter(pk__in=[village.pk, regency.pk]).chain_ids()
        assert Area.objects.filter(pk__in=[]).chain_ids() == set()  # nothing asked, no query
        assert Area.objects.filter(name=village.name).order_by("-name")[:1].chain_ids() == chain
        assert Group.objects.filter(in_subtree([regency.pk], via="area")).count() == 0
        group = f.GroupFactory(area=village)
        f.GroupFactory(area=elsewhere)
        assert list(Group.objects.filter(in_subtree([regency.pk], via="area"))) == [group]
        assert not Group.objects.filter(in_subtree([], via="area")).exists()

    def test_area_clean_rejects_a_parent_of_smaller_level(self):
        from django.core.exceptions import ValidationError

        village = f.VillageFactory()
        district = Area(ref="X", name="X", level=AreaLevel.DISTRICT, parent=village)
        with pytest.raises(ValidationError):
            district.clean()
