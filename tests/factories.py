import datetime as dt
import uuid

import factory
from django.contrib.auth import get_user_model

from groups import models

TEST_PASSWORD = "a-Long-test-passw0rd"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(TEST_PASSWORD)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Area

    ref = factory.Sequence(lambda n: f"AREA-{n}")
    name = factory.Sequence(lambda n: f"Desa {n}")
    level = models.AreaLevel.DISTRICT
    parent = None


class VillageFactory(AreaFactory):
    level = models.AreaLevel.VILLAGE
    parent = factory.SubFactory(AreaFactory)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Group

    ref = factory.Sequence(lambda n: f"GRP-{n}")
    name = factory.Sequence(lambda n: f"Arisan {n}")
    kind = models.GroupKind.ARISAN
    area = factory.SubFactory(VillageFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    ref = factory.Sequence(lambda n: f"P-{n}")
    full_name = factory.Sequence(lambda n: f"Warga {n}")
    area = factory.SubFactory(VillageFactory)
    consent_on = dt.date(2025, 1, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    person = factory.SubFactory(PersonFactory)
    group = factory.SubFactory(GroupFactory)
    joined_on = dt.date(2024, 1, 1)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ExternalActor

    ref = factory.Sequence(lambda n: f"A-{n}")
    name = factory.Sequence(lambda n: f"Dinas {n}")
    kind = models.ActorKind.GOVERNMENT_AGENCY
    area = factory.SubFactory(AreaFactory)


class NormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Norm

    ref = factory.Sequence(lambda n: f"N-{n}")
    group = factory.SubFactory(GroupFactory)
    statement = "Every member gives Rp 50.000 at each monthly meeting."
    category = models.NormCategory.RECIPROCITY


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Exchange

    ref = factory.Sequence(lambda n: f"X-{n}")
    date = dt.date(2026, 6, 1)
    giver_person = factory.SubFactory(PersonFactory)
    receiver_person = factory.SubFactory(PersonFactory)
    resource = models.Resource.MONEY
    status = models.ExchangeStatus.CONFIRMED


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Activity

    ref = factory.Sequence(lambda n: f"ACT-{n}")
    group = factory.SubFactory(GroupFactory)
    kind = models.ActivityKind.MEETING
    date = dt.date(2026, 6, 1)


def once(data: dict) -> dict:
    """A create form's post with its one-time token, as the rendered form carries it."""
    return {**data, "token": str(uuid.uuid4())}
