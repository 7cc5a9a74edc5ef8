"""A realistic synthetic community of any size, for load tests and the benchmark.

One regency and one district (or a regency of several districts: build_regency); villages of
about 2,000 people; groups of 10 to 40 members (each person in 1 to 3 groups of their
village); a few friends per member inside each group;
about 10 exchanges per person per year, mostly between those friends (bonding), some between
people of the same village who share no group (bridging) and some with external actors such
as the village office, agencies, an NGO, a bank and a cooperative (linking); monthly-ish
meetings with attendance; a few norms per group with quarterly reviews. Activity grows a
little over the year so the quarterly trend has a slope.

Everything is written with bulk_create or COPY (no per-row signals, so the areas are marked changed
explicitly) and derived from random.Random(seed) and `today`: the same arguments give the same
community.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .demo import MEN, SECOND, WOMEN
from .models import (
    Activity,
    ActivityKind,
    ActorKind,
    Area,
    AreaLevel,
    Assignment,
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Group,
    GroupKind,
    GroupScore,
    Membership,
    Norm,
    NormCategory,
    NormReview,
    Person,
    PersonScore,
    Resource,
    ScoreSnapshot,
    exchange_ends,
)
from .scores import changes

VILLAGE_SIZE = 2000
EXCHANGES_PER_PERSON = 10
BRIDGING_SHARE = 0.10
LINKING_SHARE = 0.07
BATCH = 5000
#: A regency's ties across neighbouring districts: this share of a district's exchanges is
#: with a resident next door, and this share of its people is also in a group there.
ACROSS_EXCHANGE_SHARE = 0.02
ACROSS_MEMBER_SHARE = 0.005

# Resource mixes by group kind: what members mostly exchange.
_MIX = {
    GroupKind.ARISAN: ("money", "money", "loan", "information", "emotional_support"),
    GroupKind.SAVINGS_LOAN: ("loan", "loan", "money", "information"),
    GroupKind.MUTUAL_HELP: ("labour", "labour", "goods", "care", "emotional_support"),
    GroupKind.RELIGIOUS: ("emotional_support", "knowledge", "goods", "care"),
    GroupKind.WOMEN: ("care", "knowledge", "information", "goods"),
    GroupKind.YOUTH: ("labour", "information", "knowledge"),
    GroupKind.FARMERS: ("knowledge", "information", "labour", "goods"),
    GroupKind.NEIGHBOURHOOD: ("labour", "information", "goods"),
    GroupKind.HEALTH_VOLUNTEERS: ("care", "knowledge", "information"),
    GroupKind.BUSINESS: ("goods", "money", "knowledge", "loan"),
}
_KINDS = tuple(_MIX)
_GROUP_NAMES = {
    GroupKind.ARISAN: "Arisan",
    GroupKind.SAVINGS_LOAN: "Simpan Pinjam",
    GroupKind.MUTUAL_HELP: "Rukun Kematian",
    GroupKind.RELIGIOUS: "Pengajian",
    GroupKind.WOMEN: "Dasawisma",
    GroupKind.YOUTH: "Karang Taruna",
    GroupKind.FARMERS: "Kelompok Tani",
    GroupKind.NEIGHBOURHOOD: "Ronda RT",
    GroupKind.HEALTH_VOLUNTEERS: "Kader Posyandu",
    GroupKind.BUSINESS: "KUBE",
}
_ACTOR_NAMES = {
    ActorKind.VILLAGE_GOVERNMENT: "Pemerintah Desa",
    ActorKind.HEALTH_SERVICE: "Puskesmas Pembantu",
    ActorKind.SCHOOL: "SD Negeri",
    ActorKind.GOVERNMENT_AGENCY: "Dinas Pertanian",
    ActorKind.NGO: "LSM Daya Desa",
    ActorKind.BANK: "BPR Sintetis",
    ActorKind.COOPERATIVE: "Koperasi Sintetis",
    ActorKind.RELIGIOUS_INSTITUTION: "Baznas Kecamatan",
}
_ACTORS_PER_VILLAGE = (ActorKind.VILLAGE_GOVERNMENT, ActorKind.HEALTH_SERVICE, ActorKind.SCHOOL)
_ACTORS_PER_DISTRICT = (
    ActorKind.GOVERNMENT_AGENCY,
    ActorKind.NGO,
    ActorKind.BANK,
    ActorKind.COOPERATIVE,
    ActorKind.RELIGIOUS_INSTITUTION,
)
_FROM_ACTORS = ("money", "goods", "knowledge", "information", "loan")
_TO_ACTORS = ("money", "labour", "information")


@dataclass(frozen=True)
class Summary:
    areas: int
    groups: int
    people: int
    memberships: int
    actors: int
    exchanges: int
    activities: int
    attendances: int
    norms: int
    reviews: int
    districts: int = 1
    exchanges_across: int = 0
    memberships_across: int = 0


def is_empty() -> bool:
    return not (Area.objects.exists() or Person.objects.exists() or Group.objects.exists())


def wipe() -> None:
    """Delete every community record (areas, people, groups, exchanges, ..., score snapshots).
    Logins stay. Raw deletes: fast, and no recompute signal fires for rows about to vanish."""
    tables = [
        Activity.attendees.through,
        Activity,
        Exchange,
        NormReview,
        Norm,
        Membership,
        Group.facilitators.through,
        PersonScore,
        GroupScore,
        ScoreSnapshot,
        Assignment,
        Person,
        Group,
        ExternalActor,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        # children before parents: the area tree is at most four levels deep
        for level in (AreaLevel.VILLAGE, AreaLevel.DISTRICT, AreaLevel.REGENCY, AreaLevel.PROVINCE):
            Area.objects.filter(level=level)._raw_delete(connection.alias)


def _name(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        return f"{rng.choice(WOMEN)} {rng.choice(SECOND)}", "female"
    return f"{rng.choice(MEN)} {rng.choice(SECOND)}", "male"


def _day(rng: random.Random, start: dt.date, days: int) -> dt.date:
    """A day of the year, a little more often late than early (activity grows)."""
    u = rng.random()
    position = u if rng.random() < 0.6 else math.sqrt(u)
    return start + dt.timedelta(days=min(days - 1, int(position * days)))


@transaction.atomic
def build(people: int, *, seed: int = 1, today: dt.date | None = None, prefix: str = "SYN") -> Summary:
    """Create a synthetic community of `people` people whose year ends on `today`: one
    district in one regency."""
    if people < 1:
        raise ValueError("people must be at least 1")
    rng = random.Random(seed)
    today = today or dt.date.today()
    regency = Area.objects.create(ref=f"{prefix}-R", name="Kabupaten Sintetis", level=AreaLevel.REGENCY)
    built = _build_district(rng, regency, people, today, prefix=prefix, name="Kecamatan Sintetis")
    # bulk writes send no signal: stored scores of these areas (none yet, normally) go stale
    changes.mark_changed(built.village_ids)
    return built.summary


@transaction.atomic
def build_regency(
    districts: int, people: int, *, seed: int = 1, today: dt.date | None = None, prefix: str = "SYN"
) -> Summary:
    """Create a regency of `districts` districts of `people` people each, every district made as
    build() makes its one (with its own random stream, so district 3 is the same whatever the
    number of districts), then a small share of ties across neighbouring districts: exchanges
    between their residents and memberships in a group next door (_tie_districts)."""
    if districts < 1 or people < 1:
        raise ValueError("districts and people must be at least 1")
    today = today or dt.date.today()
    regency = Area.objects.create(ref=f"{prefix}-R", name="Kabupaten Sintetis", level=AreaLevel.REGENCY)
    built = [
        _build_district(
            random.Random(f"{seed}:{d + 1}"),
            regency,
            people,
            today,
            prefix=f"{prefix}{d + 1:02d}",
            name=f"Kecamatan Sintetis {d + 1}",
        )
        for d in range(districts)
    ]
    across = _tie_districts(random.Random(f"{seed}:across"), built, today, prefix=prefix)
    village_ids = [pk for district in built for pk in district.village_ids]
    changes.mark_changed(village_ids)
    parts = [district.summary for district in built]
    total = {name: sum(getattr(s, name) for s in parts) for name in Summary.__dataclass_fields__}
    total.update(
        areas=total["areas"] - districts + 1,  # one regency, not one per district
        memberships=total["memberships"] + across.memberships,
        exchanges=total["exchanges"] + across.exchanges,
        districts=districts,
        exchanges_across=across.exchanges,
        memberships_across=across.memberships,
    )
    return Summary(**total)


@dataclass(frozen=True)
class _District:
    summary: Summary
    village_ids: list[int]
    person_ids: list[int]
    group_ids: list[int]
    start: dt.date


def _build_district(
    rng: random.Random, regency: Area, people: int, today: dt.date, *, prefix: str, name: str
) -> _District:
    """One district of `people` people under `regency` (the module docstring), refs `prefix`-..."""
    start = today - dt.timedelta(days=364)
    days = 365

    district = Area.objects.create(ref=f"{prefix}-D", name=name, level=AreaLevel.DISTRICT, parent=regency)
    n_villages = max(1, round(people / VILLAGE_SIZE))
    villages = Area.objects.bulk_create(
        Area(
            ref=f"{prefix}-V{i + 1:03d}",
            name=f"Desa Sintetis {i + 1}",
            level=AreaLevel.VILLAGE,
            parent=district,
        )
        for i in range(n_villages)
    )

    # People, spread evenly over the villages.
    person_objs = []
    for i in range(people):
        name, gender = _name(rng)
        person_objs.append(
            Person(
                ref=f"{prefix}-P{i + 1:06d}",
                full_name=name,
                gender=gender,
                birth_year=rng.randint(1950, 2006),
                area=villages[i % n_villages],
                consent_on=start,
            )
        )
    person_objs = Person.objects.bulk_create(person_objs, batch_size=BATCH)
    by_village: list[list[Person]] = [[] for _ in villages]
    for i, p in enumerate(person_objs):
        by_village[i % n_villages].append(p)

    # Groups and memberships: fill groups of 10-40 from a pool where each person appears 1-3 times.
    group_objs: list[Group] = []
    group_members: list[list[Person]] = []
    group_village: list[int] = []
    for v, residents in enumerate(by_village):
        pool = []
        for p in residents:
            pool += [p] * rng.choice((1, 1, 2, 2, 3))
        rng.shuffle(pool)
        while pool:
            size = min(len(pool), rng.randint(10, 40))
            chosen: list[Person] = []
            seen = set()
            rest = []
            for p in pool:
                if len(chosen) < size and p.pk not in seen:
                    chosen.append(p)
                    seen.add(p.pk)
                else:
                    rest.append(p)
            pool = rest
            if len(chosen) < 10 and group_members and group_village[-1] == v:
                # too few left for a group of their own: they join the village's last group
                group_members[-1].extend(p for p in chosen if p not in group_members[-1])
                continue
            kind = rng.choice(_KINDS)
            number = len(group_objs) + 1
            group_objs.append(
                Group(
                    ref=f"{prefix}-G{number:05d}",
                    name=f"{_GROUP_NAMES[kind]} {number}",
                    kind=kind,
                    area=villages[v],
                    formed_on=start - dt.timedelta(days=rng.randint(100, 5000)),
                )
            )
            group_members.append(chosen)
            group_village.append(v)
    group_objs = Group.objects.bulk_create(group_objs, batch_size=BATCH)

    memberships = []
    joined: dict[tuple[int, int], dt.date] = {}
    for g, members in zip(group_objs, group_members, strict=True):
        for p in members:
            r = rng.random()
            # most joined long ago, some during the year, a few left during it
            join = start - dt.timedelta(days=rng.randint(30, 3000)) if r < 0.85 else _day(rng, start, days)
            left = _day(rng, start, days) if r > 0.97 else None
            if left is not None and left < join:
                left = None
            joined[(g.pk, p.pk)] = join
            memberships.append({"person_id": p.pk, "group_id": g.pk, "joined_on": join, "left_on": left})
    membership_count = len(memberships)
    _write(Membership, memberships)

    # External actors: a few per village and per district.
    actor_objs = []
    for v, village in enumerate(villages):
        for kind in _ACTORS_PER_VILLAGE:
            actor_objs.append(
                ExternalActor(
                    ref=f"{prefix}-A{len(actor_objs) + 1:04d}",
                    name=f"{_ACTOR_NAMES[kind]} {v + 1}",
                    kind=kind,
                    area=village,
                )
            )
    for kind in _ACTORS_PER_DISTRICT:
        actor_objs.append(
            ExternalActor(
                ref=f"{prefix}-A{len(actor_objs) + 1:04d}", name=_ACTOR_NAMES[kind], kind=kind, area=district
            )
        )
    actor_objs = ExternalActor.objects.bulk_create(actor_objs)
    village_actors = [actor_objs[v * 3 : (v + 1) * 3] + actor_objs[-5:] for v in range(n_villages)]

    # Friends inside each group: every member gets 2-4 partners, ties are what exchanges follow.
    group_ties: list[list[tuple[Person, Person]]] = []
    for members in group_members:
        ties = set()
        for i in range(len(members)):
            for _ in range(rng.randint(1, 2)):
                j = rng.randrange(len(members))
                if j != i:
                    ties.add((min(i, j), max(i, j)))
        group_ties.append([(members[i], members[j]) for i, j in sorted(ties)])

    total = people * EXCHANGES_PER_PERSON
    exchanges: list[dict] = []
    exchange_count = 0
    weights = [len(t) for t in group_ties]
    cumulative = []
    acc = 0
    for w in weights:
        acc += w
        cumulative.append(acc)
    for n in range(total):
        r = rng.random()
        if r < LINKING_SHARE:
            v = rng.randrange(n_villages)
            actor = rng.choice(village_actors[v])
            person = rng.choice(by_village[v])
            if rng.random() < 0.75:
                giver, receiver, resource = ("a", actor), ("p", person), rng.choice(_FROM_ACTORS)
            else:
                giver, receiver, resource = ("p", person), ("a", actor), rng.choice(_TO_ACTORS)
            group = None
        elif r < LINKING_SHARE + BRIDGING_SHARE or not acc:
            v = rng.randrange(n_villages)
            # mostly inside the village, now and then across villages
            other = v if rng.random() < 0.8 else rng.randrange(n_villages)
            a, b = rng.choice(by_village[v]), rng.choice(by_village[other])
            if a.pk == b.pk:
                continue
            giver, receiver, resource = ("p", a), ("p", b), rng.choice(Resource.values)
            group = None
        else:
            k = _bisect(cumulative, rng.randrange(acc))
            a, b = rng.choice(group_ties[k])
            if rng.random() < 0.5:
                a, b = b, a
            giver, receiver = ("p", a), ("p", b)
            resource = rng.choice(_MIX[group_objs[k].kind])
            group = group_objs[k]
        s = rng.random()
        status = (
            ExchangeStatus.CONFIRMED
            if s < 0.9
            else ExchangeStatus.PENDING
            if s < 0.97
            else ExchangeStatus.DISPUTED
        )
        ends = exchange_ends(giver, receiver, is_person=lambda end: end[0] == "p", suffix="_id")
        exchanges.append(
            {
                "ref": f"{prefix}-X{n + 1:07d}",
                "date": _day(rng, start, days),
                **{column: end[1].pk if end is not None else None for column, end in ends.items()},
                "resource": resource,
                "group_id": group.pk if group is not None else None,
                "status": status,
            }
        )
        if len(exchanges) == BATCH:  # written as they come: a regency's millions never all in memory
            exchange_count += _write(Exchange, exchanges)
    exchange_count += _write(Exchange, exchanges)

    # Meetings with attendance (4-12 a year), and the odd training by an actor.
    activities = []
    attendance_plan = []
    for k, (g, members) in enumerate(zip(group_objs, group_members, strict=True)):
        meetings = rng.randint(4, 12)
        eager = rng.uniform(0.4, 0.9)
        for m in range(meetings):
            day = start + dt.timedelta(days=int((m + rng.random()) * days / meetings))
            day = min(day, today)
            training = rng.random() < 0.1
            activities.append(
                Activity(
                    ref=f"{prefix}-M{len(activities) + 1:06d}",
                    group=g,
                    kind=ActivityKind.TRAINING if training else ActivityKind.MEETING,
                    date=day,
                    actor=rng.choice(village_actors[group_village[k]]) if training else None,
                )
            )
            attendance_plan.append([p.pk for p in members if rng.random() < eager])
    activities = Activity.objects.bulk_create(activities, batch_size=BATCH)
    through = Activity.attendees.through
    attendances = [
        {"activity_id": a.pk, "person_id": pid}
        for a, pids in zip(activities, attendance_plan, strict=True)
        for pid in pids
    ]
    attendance_count = len(attendances)
    _write(through, attendances)

    # Norms (1-3 per group) with quarterly reviews.
    categories = NormCategory.values
    norms = []
    for g in group_objs:
        for _ in range(rng.randint(1, 3)):
            norms.append(
                Norm(
                    ref=f"{prefix}-N{len(norms) + 1:05d}",
                    group=g,
                    statement="Setiap anggota hadir dan saling membantu.",
                    category=rng.choice(categories),
                    agreed_on=g.formed_on,
                )
            )
    norms = Norm.objects.bulk_create(norms, batch_size=BATCH)
    reviews = []
    for norm in norms:
        level = rng.randint(2, 4)
        for q in range(4):
            level = max(1, min(5, level + rng.choice((-1, 0, 0, 1))))
            reviews.append(
                NormReview(norm=norm, reviewed_on=start + dt.timedelta(days=45 + 91 * q), rating=level)
            )
    NormReview.objects.bulk_create(reviews, batch_size=BATCH)

    summary = Summary(
        areas=2 + n_villages,
        groups=len(group_objs),
        people=people,
        memberships=membership_count,
        actors=len(actor_objs),
        exchanges=exchange_count,
        activities=len(activities),
        attendances=attendance_count,
        norms=len(norms),
        reviews=len(reviews),
    )
    return _District(
        summary=summary,
        village_ids=[v.pk for v in villages],
        person_ids=[p.pk for p in person_objs],
        group_ids=[g.pk for g in group_objs],
        start=start,
    )


@dataclass(frozen=True)
class _Across:
    exchanges: int
    memberships: int


def _tie_districts(rng: random.Random, built: list[_District], today: dt.date, *, prefix: str) -> _Across:
    """Ties between neighbouring districts (each with the next, the last with the first): the
    ACROSS_ shares above. A lone district has no neighbour."""
    if len(built) < 2:
        return _Across(exchanges=0, memberships=0)
    exchanges: list[dict] = []
    memberships = []
    count = 0
    for d, here in enumerate(built):
        there = built[(d + 1) % len(built)]
        for _ in range(round(len(here.person_ids) * EXCHANGES_PER_PERSON * ACROSS_EXCHANGE_SHARE)):
            a, b = rng.choice(here.person_ids), rng.choice(there.person_ids)
            if rng.random() < 0.5:
                a, b = b, a
            exchanges.append(
                {
                    "ref": f"{prefix}-XX{count + len(exchanges) + 1:07d}",
                    "date": _day(rng, here.start, 365),
                    **exchange_ends(a, b, is_person=lambda _: True, suffix="_id"),
                    "resource": rng.choice(Resource.values),
                    "status": ExchangeStatus.CONFIRMED,
                }
            )
            if len(exchanges) == BATCH:
                count += _write(Exchange, exchanges)
        # people of one district only: nobody joins the same group twice
        for pid in rng.sample(here.person_ids, round(len(here.person_ids) * ACROSS_MEMBER_SHARE)):
            joined = here.start - dt.timedelta(days=rng.randint(30, 3000))
            memberships.append(
                {"person_id": pid, "group_id": rng.choice(there.group_ids), "joined_on": joined}
            )
    count += _write(Exchange, exchanges)
    return _Across(exchanges=count, memberships=_write(Membership, memberships))


def _write(model, rows: list[dict]) -> int:
    """Write a batch of new rows (their fields by attname; ids nobody reads back) and empty the
    list; the number written. With PostgreSQL by COPY (a regency's millions of exchanges and
    attendances in minutes), elsewhere by bulk_create. Either way no signal is sent: the
    callers mark the areas changed."""
    written = len(rows)
    if connection.vendor == "postgresql":
        _copy(model, rows)
    else:
        model.objects.bulk_create((model(**row) for row in rows), batch_size=BATCH)
    rows.clear()
    return written


def _copy(model, rows: list[dict]) -> None:
    """COPY new rows into the model's table: the values given (str, int, date, None: psycopg
    adapts them), each other column its field's default, the auto timestamps now."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] if name in row else defaults[name] for name in names])


def _bisect(cumulative: list[int], x: int) -> int:
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo
