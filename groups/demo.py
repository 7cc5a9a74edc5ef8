"""The demo community: three villages of one kecamatan in Central Java, built deterministically.

The same `today` gives the same community. Patterns worth discovering are built in on purpose:
- a broker (Pak Slamet Riyadi) who belongs to the farmers' group in Sumberejo and the savings
  group in Karangsari and carries help between them: the only tie between Karangsari and the
  other villages runs through him, so he is a cut vertex (without him 53 people and
  institutions lose touch with the rest);
- an isolated newcomer (Rina Wulandari) who joined the youth group recently and has no exchanges;
- a group that depends on outside aid (KUBE Batik Sekar Jagad: grants of money and goods from
  the social affairs office and an NGO, both holding authority, so they count as aid);
- a group whose exchanges are mostly knowledge and information (Kelompok Tani Sumber Makmur),
  with a training by the agriculture office half-way through the year: capacity building,
  counted as learning, which leaves the group's self-reliance as it was; the farmers also get
  goods from their own cooperative, an actor without authority (a bridging tie, not aid).
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from .demo_money import build_money, meeting_days
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
    HowAgreed,
    HowFormed,
    MeetingFrequency,
    Membership,
    Norm,
    NormCategory,
    NormReview,
    Person,
    Resource,
    Role,
    StaffRole,
    exchange_ends,
)
from .scores import changes
from .services import targets

DEMO_PASSWORD = "komunitas-demo-2026"  # noqa: S105 - printed for the demo, documented in README
DEMO_LOGINS = {
    "facilitator": "pendamping",
    "member": "anggota",
    "second_member": "anggota2",
    "coordinator": "koordinator",
    "treasurer": "bendahara",
    "borrower": "anggota3",
}

WOMEN = [
    "Siti", "Sri", "Endang", "Tri", "Wahyuni", "Suparmi", "Lestari", "Yuni", "Rahayu", "Dewi",
    "Ani", "Sumarni", "Partini", "Ratna", "Nur", "Fitri", "Puji", "Kartini", "Winarsih", "Eka",
]
MEN = [
    "Slamet", "Budi", "Agus", "Joko", "Bambang", "Suparno", "Wahyu", "Eko", "Sugeng", "Heru",
    "Darmaji", "Paiman", "Rahmat", "Yusuf", "Tono", "Sutrisno", "Hadi", "Ahmad", "Dwi", "Purwanto",
]
SECOND = [
    "Wulandari", "Rahayu", "Lestari", "Susanti", "Handayani", "Riyadi", "Santoso", "Purnomo",
    "Hidayat", "Setiawan", "Saputra", "Prasetyo", "Utami", "Nugroho", "Wibowo", "Kusuma",
    "Maryati", "Suryani", "Hartono", "Mulyadi",
]


@dataclass(frozen=True)
class GroupPlan:
    ref: str
    name: str
    kind: str
    village: str
    how_formed: str
    frequency: str
    size: int
    women_share: float
    # resource mix for exchanges inside the group: (resource, weight)
    mix: tuple[tuple[str, int], ...]
    description: str


GROUPS = [
    GroupPlan("G-ARISAN-RT03", "Arisan Ibu-Ibu RT 03", GroupKind.ARISAN, "SMB", HowFormed.SPONTANEOUS,
              MeetingFrequency.MONTHLY, 26, 1.0,
              (("money", 6), ("information", 2), ("emotional_support", 2), ("goods", 1)),
              "Arisan bulanan ibu-ibu RT 03; setoran dikocok tiap pertemuan."),
    GroupPlan("G-TANI-SM", "Kelompok Tani Sumber Makmur", GroupKind.FARMERS, "SMB",
              HowFormed.FACILITATED, MeetingFrequency.MONTHLY, 26, 0.25,
              (("knowledge", 6), ("information", 4), ("labour", 2), ("goods", 1)),
              "Petani padi dan kentang; berbagi bibit, jadwal tanam dan cara pengendalian hama."),
    GroupPlan("G-PENGAJIAN", "Pengajian Al-Hidayah", GroupKind.RELIGIOUS, "SMB", HowFormed.SPONTANEOUS,
              MeetingFrequency.WEEKLY, 28, 0.6,
              (("emotional_support", 4), ("knowledge", 2), ("care", 2), ("money", 1)),
              "Pengajian malam Jumat di musala; juga menjenguk warga yang sakit."),
    GroupPlan("G-KEMATIAN", "Rukun Kematian Sumberejo", GroupKind.MUTUAL_HELP, "SMB", HowFormed.SPONTANEOUS,
              MeetingFrequency.IRREGULAR, 30, 0.4,
              (("money", 3), ("labour", 4), ("goods", 2), ("emotional_support", 3)),
              "Iuran dan tenaga untuk keluarga yang berduka."),
    GroupPlan("G-DASAWISMA", "PKK Dasawisma Melati", GroupKind.WOMEN, "CDM", HowFormed.FACILITATED,
              MeetingFrequency.MONTHLY, 24, 1.0,
              (("information", 3), ("knowledge", 2), ("care", 3), ("goods", 2)),
              "Dasawisma sepuluh rumah; pencatatan kesehatan keluarga dan tanaman obat."),
    GroupPlan("G-KARTAR", "Karang Taruna Tunas Muda", GroupKind.YOUTH, "CDM", HowFormed.FACILITATED,
              MeetingFrequency.MONTHLY, 30, 0.45,
              (("labour", 4), ("information", 3), ("knowledge", 2), ("emotional_support", 1)),
              "Pemuda desa: kerja bakti, turnamen voli dan pelatihan komputer."),
    GroupPlan("G-POSYANDU", "Kader Posyandu Mawar", GroupKind.HEALTH_VOLUNTEERS, "CDM",
              HowFormed.FACILITATED, MeetingFrequency.MONTHLY, 16, 1.0,
              (("care", 4), ("knowledge", 3), ("information", 3)),
              "Kader posyandu balita dan lansia."),
    GroupPlan("G-KUBE-BATIK", "KUBE Batik Sekar Jagad", GroupKind.BUSINESS, "KRS", HowFormed.FACILITATED,
              MeetingFrequency.FORTNIGHTLY, 18, 0.8,
              (("labour", 3), ("goods", 2), ("knowledge", 1)),
              "Kelompok usaha bersama batik tulis; dibentuk lewat program bantuan."),
    GroupPlan("G-SIMPAN-PINJAM", "Kelompok Simpan Pinjam Sejahtera", GroupKind.SAVINGS_LOAN, "KRS",
              HowFormed.SPONTANEOUS, MeetingFrequency.MONTHLY, 32, 0.6,
              (("loan", 5), ("money", 3), ("information", 1)),
              "Tabungan dan pinjaman bergilir anggota; bunga kecil disepakati bersama."),
    GroupPlan("G-RONDA", "Ronda RT 05 Karangsari", GroupKind.NEIGHBOURHOOD, "KRS", HowFormed.SPONTANEOUS,
              MeetingFrequency.WEEKLY, 22, 0.0,
              (("labour", 4), ("information", 3), ("goods", 1)),
              "Jaga malam bergilir dan kerja bakti lingkungan."),
]

NORMS = {
    "G-ARISAN-RT03": [
        ("Setiap anggota menyetor Rp 50.000 di setiap pertemuan bulanan.", NormCategory.RECIPROCITY, HowAgreed.CONSENSUS),
        ("Yang sudah menerima arisan tetap menyetor sampai putaran selesai.", NormCategory.TRUST, HowAgreed.TRADITION),
    ],
    "G-TANI-SM": [
        ("Anggota yang ikut pelatihan wajib menularkan ilmunya di pertemuan berikutnya.", NormCategory.KNOWLEDGE_SHARING, HowAgreed.CONSENSUS),
        ("Jadwal tanam diputuskan bersama dalam musyawarah kelompok.", NormCategory.DECISION_MAKING, HowAgreed.CONSENSUS),
    ],
    "G-PENGAJIAN": [
        ("Kami menjenguk setiap anggota yang sakit dalam tiga hari.", NormCategory.MUTUAL_HELP, HowAgreed.TRADITION),
    ],
    "G-KEMATIAN": [
        ("Kami membantu setiap anggota yang keluarganya meninggal dunia.", NormCategory.MUTUAL_HELP, HowAgreed.TRADITION),
        ("Iuran kematian Rp 10.000 per keluarga setiap ada duka.", NormCategory.RECIPROCITY, HowAgreed.CONSENSUS),
    ],
    "G-DASAWISMA": [
        ("Setiap rumah mencatat kesehatan keluarga dan melaporkannya tiap bulan.", NormCategory.PARTICIPATION, HowAgreed.LEADER),
    ],
    "G-KARTAR": [
        ("Setiap pemuda hadir minimal sekali sebulan di kerja bakti.", NormCategory.PARTICIPATION, HowAgreed.VOTE),
        ("Semua pemuda desa boleh bergabung, tanpa memandang asal dusun.", NormCategory.INCLUSION, HowAgreed.CONSENSUS),
    ],
    "G-POSYANDU": [
        ("Kader bergantian menimbang balita setiap tanggal 10.", NormCategory.PARTICIPATION, HowAgreed.CONSENSUS),
    ],
    "G-KUBE-BATIK": [
        ("Keuntungan dibagi rata setelah modal bahan dikembalikan.", NormCategory.TRUST, HowAgreed.LEADER),
    ],
    "G-SIMPAN-PINJAM": [
        ("Pinjaman dikembalikan paling lambat tiga bulan, bunga 1% sebulan.", NormCategory.RECIPROCITY, HowAgreed.VOTE),
        ("Anggota yang terlambat tiga kali tidak boleh meminjam satu putaran.", NormCategory.SANCTIONS, HowAgreed.CONSENSUS),
    ],
    "G-RONDA": [
        ("Yang tidak bisa ronda menggantinya dengan iuran Rp 10.000.", NormCategory.SANCTIONS, HowAgreed.TRADITION),
    ],
}

ACTORS = [
    ("A-PEMDES-SMB", "Pemerintah Desa Sumberejo", ActorKind.VILLAGE_GOVERNMENT, "SMB"),
    ("A-PEMDES-KRS", "Pemerintah Desa Karangsari", ActorKind.VILLAGE_GOVERNMENT, "KRS"),
    ("A-DINTAN", "Dinas Pertanian Kabupaten Wonosobo", ActorKind.GOVERNMENT_AGENCY, "REG"),
    ("A-DINSOS", "Dinas Sosial Kabupaten Wonosobo", ActorKind.GOVERNMENT_AGENCY, "REG"),
    ("A-LSM-DAYA", "Yayasan Daya Perempuan", ActorKind.NGO, "REG"),
    ("A-BANK-BPR", "BPR Artha Kertek", ActorKind.BANK, "KTK"),
    ("A-KOPERASI", "Koperasi Serba Usaha Tani Makmur", ActorKind.COOPERATIVE, "KTK"),
    ("A-PUSKESMAS", "Puskesmas Kertek", ActorKind.HEALTH_SERVICE, "KTK"),
    ("A-MASJID", "Masjid Jami' Baiturrahman", ActorKind.RELIGIOUS_INSTITUTION, "SMB"),
]


def _weighted(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([r for r, _ in mix], weights=[w for _, w in mix])[0]


def _amount(rng: random.Random, resource: str) -> tuple[Decimal | None, str]:
    if resource in (Resource.MONEY, Resource.LOAN):
        step = 50_000 if resource == Resource.MONEY else 250_000
        return Decimal(rng.randint(1, 8) * step), "IDR"
    if resource in (Resource.LABOUR, Resource.CARE):
        return Decimal(rng.randint(1, 8)), "jam"
    if resource == Resource.GOODS and rng.random() < 0.5:
        return Decimal(rng.randint(1, 20)), "kg"
    return None, ""


def _give_money_logins(memberships, savings: Group, members: list[Person], users, start) -> None:
    """The savings group's treasurer keeps its books with the login `bendahara`; the member
    whose loan falls into arrears (demo_money: the fourth open member) logs in as `anggota3`."""
    treasurer = next(
        m.person for m in memberships
        if m.group_id == savings.pk and m.role == Role.TREASURER and m.left_on is None
    )
    for role, person in (("treasurer", treasurer), ("borrower", members[3])):
        person.user = users[role]
        person.consent_on = person.consent_on or start
        person.consent_recorded_by = users["facilitator"]
        person.save()
        users[role].first_name, users[role].last_name = person.full_name.split(" ", 1)
        users[role].save()


#: (indicator, goal, near band): participation at least 60% (near down to 50%), outside aid
#: at most 20% (near up to 30%), no quiet group (one is near).
DEMO_TARGETS = (("participation", 60, 10), ("aid_dependence", 20, 10), ("quiet", 0, 1))


def is_seeded() -> bool:
    return Area.objects.exists()


@transaction.atomic
def build_demo(today: dt.date, *, seed: int = 2026) -> dict[str, int]:
    """Create the demo community ending at `today`. Returns counts of what was created."""
    rng = random.Random(seed)
    start = today - dt.timedelta(days=364)

    def day_in_year() -> dt.date:
        return start + dt.timedelta(days=rng.randrange(365))

    province = Area.objects.create(ref="ID-JT", name="Jawa Tengah", level=AreaLevel.PROVINCE)
    regency = Area.objects.create(
        ref="ID-JT-WSB", name="Kabupaten Wonosobo", level=AreaLevel.REGENCY, parent=province
    )
    district = Area.objects.create(
        ref="ID-JT-WSB-KTK", name="Kecamatan Kertek", level=AreaLevel.DISTRICT, parent=regency
    )
    villages = {
        code: Area.objects.create(
            ref=f"ID-JT-WSB-KTK-{code}", name=name, level=AreaLevel.VILLAGE, parent=district
        )
        for code, name in [("SMB", "Desa Sumberejo"), ("CDM", "Desa Candimulyo"), ("KRS", "Desa Karangsari")]
    }
    area_by_code = {**villages, "REG": regency, "KTK": district}

    User = get_user_model()
    users = {}
    for role, username in DEMO_LOGINS.items():
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
        users[role] = user
    users["facilitator"].first_name, users["facilitator"].last_name = "Dian", "Pratiwi"
    users["coordinator"].first_name, users["coordinator"].last_name = "Hendra", "Gunawan"
    for user in users.values():
        user.save()
    Assignment.objects.create(
        user=users["coordinator"], role=StaffRole.COORDINATOR, area=district, sees_names=True
    )
    Assignment.objects.create(
        user=users["facilitator"], role=StaffRole.FACILITATOR, area=villages["SMB"]
    )

    actors = {
        ref: ExternalActor.objects.create(ref=ref, name=name, kind=kind, area=area_by_code[code])
        for ref, name, kind, code in ACTORS
    }

    # People: about 50 a village, named deterministically; unique full names.
    people_by_village: dict[str, list[Person]] = {}
    used: set[str] = {"Slamet Riyadi", "Rina Wulandari", "Sri Handayani", "Siti Maryati"}
    counter = 0
    for code, village in villages.items():
        people_by_village[code] = []
        for i in range(52):
            female = rng.random() < 0.55
            while True:
                name = f"{rng.choice(WOMEN if female else MEN)} {rng.choice(SECOND)}"
                if name not in used:
                    break
            used.add(name)
            counter += 1
            has_consent = rng.random() < 0.93
            people_by_village[code].append(
                Person(
                    ref=f"P-{counter:04d}",
                    full_name=name,
                    nickname=("Bu " if female else "Pak ") + name.split()[0] if i % 3 == 0 else "",
                    gender="female" if female else "male",
                    birth_year=today.year - rng.randint(18, 72),
                    area=village,
                    phone=f"+62812{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.6 else "",
                    consent_on=start - dt.timedelta(days=rng.randint(10, 200)) if has_consent else None,
                    consent_recorded_by=users["facilitator"] if has_consent else None,
                )
            )
    Person.objects.bulk_create([p for ps in people_by_village.values() for p in ps])
    for code in people_by_village:
        people_by_village[code] = list(Person.objects.filter(area=villages[code]).order_by("ref"))

    # Named people who carry the demo's patterns.
    smb, cdm = people_by_village["SMB"], people_by_village["CDM"]
    broker = smb[0]
    broker.full_name, broker.nickname, broker.gender = "Slamet Riyadi", "Pak Slamet", "male"
    newcomer = cdm[-1]
    newcomer.full_name, newcomer.nickname, newcomer.gender = "Rina Wulandari", "Rina", "female"
    newcomer.birth_year = today.year - 19
    member_person = smb[1]
    member_person.full_name, member_person.nickname, member_person.gender = "Sri Handayani", "Bu Sri", "female"
    member_person.user = users["member"]
    second_person = smb[2]
    second_person.full_name, second_person.nickname, second_person.gender = "Siti Maryati", "Bu Siti", "female"
    second_person.user = users["second_member"]
    for person in (broker, newcomer, member_person, second_person):
        person.consent_on = person.consent_on or start
        person.consent_recorded_by = users["facilitator"]
        person.save()

    groups: dict[str, Group] = {}
    members: dict[str, list[Person]] = {}
    memberships: list[Membership] = []
    seen_pairs: set[tuple[int, int]] = set()
    for plan in GROUPS:
        group = Group.objects.create(
            ref=plan.ref,
            name=plan.name,
            kind=plan.kind,
            area=villages[plan.village],
            formed_on=today - dt.timedelta(days=rng.randint(2 * 365, 12 * 365)),
            how_formed=plan.how_formed,
            meeting_frequency=plan.frequency,
            description=plan.description,
            latitude=Decimal("-7.38") + Decimal(rng.randint(0, 400)) / 10000,
            longitude=Decimal("109.96") + Decimal(rng.randint(0, 400)) / 10000,
        )
        if plan.village in ("SMB", "CDM"):
            group.facilitators.add(users["facilitator"])
        groups[plan.ref] = group
        pool = people_by_village[plan.village]
        if plan.women_share >= 1.0:
            pool = [p for p in pool if p.gender == "female"]
        elif plan.women_share <= 0.0:
            pool = [p for p in pool if p.gender == "male"]
        pool = [p for p in pool if p.pk not in (newcomer.pk, broker.pk)]
        chosen = rng.sample(pool, min(plan.size, len(pool)))
        members[plan.ref] = chosen
    # The people who carry the patterns get their groups by hand.
    for ref, person in [
        ("G-TANI-SM", broker), ("G-SIMPAN-PINJAM", broker), ("G-ARISAN-RT03", member_person),
        ("G-ARISAN-RT03", second_person), ("G-PENGAJIAN", member_person), ("G-KARTAR", newcomer),
    ]:
        if person not in members[ref]:
            members[ref].append(person)
    for ref, people in members.items():
        for index, person in enumerate(people):
            key = (person.pk, groups[ref].pk)
            if key in seen_pairs:
                continue
            seen_pairs.add(key)
            role = Role.LEADER if index == 0 else Role.TREASURER if index == 1 else Role.MEMBER
            joined = groups[ref].formed_on + dt.timedelta(days=rng.randint(0, 400))
            if person.pk == newcomer.pk:
                joined = today - dt.timedelta(days=45)
            memberships.append(
                Membership(person=person, group=groups[ref], role=role, joined_on=min(joined, today))
            )
    # A few people left a group during the year: history is kept.
    for membership in memberships[5::37]:
        if membership.person_id not in (broker.pk, member_person.pk, second_person.pk, newcomer.pk):
            membership.left_on = max(membership.joined_on, today - dt.timedelta(days=rng.randint(30, 200)))
    Membership.objects.bulk_create(memberships)
    open_members = {
        ref: [m.person for m in memberships if m.group_id == groups[ref].pk and m.left_on is None]
        for ref in groups
    }
    _give_money_logins(memberships, groups["G-SIMPAN-PINJAM"], open_members["G-SIMPAN-PINJAM"], users, start)

    # Norms and their reviews.
    norm_count = review_count = 0
    for ref, norms in NORMS.items():
        for index, (statement, category, how) in enumerate(norms):
            norm_count += 1
            norm = Norm.objects.create(
                ref=f"N-{ref[2:]}-{index + 1}",
                group=groups[ref],
                statement=statement,
                category=category,
                how_agreed=how,
                agreed_on=groups[ref].formed_on + dt.timedelta(days=30),
            )
            base = 4 if ref != "G-KUBE-BATIK" else 2
            for quarter in range(4):
                review_count += 1
                NormReview.objects.create(
                    norm=norm,
                    reviewed_on=start + dt.timedelta(days=45 + 91 * quarter),
                    rating=max(1, min(5, base + rng.choice([-1, 0, 0, 1]))),
                    note=rng.choice(["", "Dijalankan dengan baik.", "Beberapa anggota lupa.", ""]),
                    reviewed_by=users["facilitator"],
                )

    # Activities with attendance; the farmers' training sits half-way through the year.
    training_day = start + dt.timedelta(days=182)
    activities = []
    for ref, group in groups.items():
        people = open_members[ref]
        for month, day in enumerate(meeting_days(start, today)):
            activity = Activity.objects.create(
                ref=f"ACT-{ref[2:]}-{month + 1:02d}",
                group=group,
                kind=ActivityKind.MEETING,
                date=day,
                title="",
            )
            share = 0.85 if ref != "G-KUBE-BATIK" else 0.45
            activities.append((activity, [p for p in people if rng.random() < share]))
    special = [
        ("ACT-TANI-TRAINING", "G-TANI-SM", ActivityKind.TRAINING, training_day,
         "Pelatihan pengendalian hama terpadu", "A-DINTAN"),
        ("ACT-KRS-MUSRENBANG", "G-SIMPAN-PINJAM", ActivityKind.PLANNING_FORUM,
         start + dt.timedelta(days=120), "Musrenbang Desa Karangsari", "A-PEMDES-KRS"),
        ("ACT-RONDA-KERJA", "G-RONDA", ActivityKind.COLLECTIVE_WORK, start + dt.timedelta(days=200),
         "Kerja bakti saluran air", None),
        ("ACT-BATIK-TRAINING", "G-KUBE-BATIK", ActivityKind.TRAINING, start + dt.timedelta(days=90),
         "Pelatihan pewarna alam", "A-LSM-DAYA"),
    ]
    for ref, group_ref, kind, day, title, actor_ref in special:
        activity = Activity.objects.create(
            ref=ref, group=groups[group_ref], kind=kind, date=day, title=title,
            actor=actors[actor_ref] if actor_ref else None,
        )
        activities.append((activity, [p for p in open_members[group_ref] if rng.random() < 0.8]))
    Attendance = Activity.attendees.through
    Attendance.objects.bulk_create(
        [Attendance(activity_id=a.pk, person_id=p.pk) for a, people in activities for p in people]
    )

    # Exchanges: mostly inside groups, a broker between two groups, outside aid to KUBE Batik.
    exchanges: list[Exchange] = []

    def add(giver, receiver, resource, day, group=None, status=None):
        if giver == receiver:
            return
        amount, unit = _amount(rng, resource)
        if status is None:
            roll = rng.random()
            status = (
                ExchangeStatus.DISPUTED if roll < 0.02
                else ExchangeStatus.PENDING if roll < 0.08
                else ExchangeStatus.CONFIRMED
            )
        exchanges.append(
            Exchange(
                ref=f"X-{len(exchanges) + 1:05d}",
                date=day,
                **exchange_ends(giver, receiver),
                resource=resource,
                amount=amount,
                unit=unit,
                group=group,
                status=status,
                logged_by=users["facilitator"],
            )
        )

    for plan in GROUPS:
        people = [p for p in open_members[plan.ref] if p.pk != newcomer.pk]
        group = groups[plan.ref]
        per_year = {"G-KUBE-BATIK": 2, "G-TANI-SM": 4}.get(plan.ref, 5)
        for _ in range(len(people) * per_year):
            giver, receiver = rng.sample(people, 2)
            day = day_in_year()
            resource = _weighted(rng, plan.mix)
            if plan.ref == "G-TANI-SM" and day > training_day and rng.random() < 0.5:
                resource = Resource.KNOWLEDGE  # knowledge spreads after the training
            add(giver, receiver, resource, day, group)
    # Aid dependence: KUBE Batik receives grants and goods from outside, little from members.
    for person in open_members["G-KUBE-BATIK"]:
        for _ in range(4):
            source = actors[rng.choice(["A-DINSOS", "A-LSM-DAYA", "A-DINSOS"])]
            add(source, person, rng.choice([Resource.MONEY, Resource.GOODS]), day_in_year(),
                groups["G-KUBE-BATIK"])
    # The savings group borrows from the bank; the farmers from the cooperative; a few health visits.
    for person in open_members["G-SIMPAN-PINJAM"][:8]:
        add(actors["A-BANK-BPR"], person, Resource.LOAN, day_in_year(), groups["G-SIMPAN-PINJAM"])
    for person in open_members["G-TANI-SM"][:6]:
        add(actors["A-KOPERASI"], person, Resource.GOODS, day_in_year(), groups["G-TANI-SM"])
        add(actors["A-DINTAN"], person, Resource.KNOWLEDGE, training_day, groups["G-TANI-SM"])
    for person in open_members["G-POSYANDU"][:5]:
        add(actors["A-PUSKESMAS"], person, Resource.KNOWLEDGE, day_in_year(), groups["G-POSYANDU"])
    # The broker carries help between the farmers in Sumberejo and the savers in Karangsari.
    for _ in range(14):
        add(broker, rng.choice(open_members["G-SIMPAN-PINJAM"]), rng.choice(
            [Resource.KNOWLEDGE, Resource.INFORMATION, Resource.GOODS]), day_in_year())
        add(rng.choice(open_members["G-SIMPAN-PINJAM"]), broker, rng.choice(
            [Resource.LOAN, Resource.INFORMATION]), day_in_year())
        add(broker, rng.choice(open_members["G-TANI-SM"]), rng.choice(
            [Resource.LOAN, Resource.INFORMATION, Resource.MONEY]), day_in_year())
    # A handful of cross-village friendships (bridging ties) besides the broker.
    for _ in range(12):
        a, b = rng.choice(smb), rng.choice(cdm)
        if newcomer.pk not in (a.pk, b.pk):
            add(a, b, rng.choice([Resource.INFORMATION, Resource.EMOTIONAL_SUPPORT]), day_in_year())
    # The two demo members: one pending exchange waits for Bu Siti to confirm.
    add(member_person, second_person, Resource.CARE, today - dt.timedelta(days=3),
        groups["G-ARISAN-RT03"], status=ExchangeStatus.PENDING)
    exchanges[-1].logged_by = users["member"]
    Exchange.objects.bulk_create(exchanges, batch_size=1000)
    ledger_entries = build_money(
        today=today, start=start, groups=groups, open_members=open_members, actors=actors,
        people={"member": member_person, "second_member": second_person}, rng=random.Random(seed + 1),
    )
    # The district's programme targets, as its coordinator would set them (scorecard, map).
    for indicator, goal, near in DEMO_TARGETS:
        targets.set_target(
            area=district, indicator=indicator, goal=Decimal(goal), near=Decimal(near), user=users["coordinator"]
        )
    # bulk writes send no signal: stored scores of these areas (none yet, normally) go stale
    changes.mark_changed(village.pk for village in villages.values())

    return {
        "areas": Area.objects.count(),
        "groups": len(groups),
        "people": Person.objects.count(),
        "memberships": len(memberships),
        "norms": norm_count,
        "norm_reviews": review_count,
        "actors": len(actors),
        "activities": len(activities),
        "exchanges": len(exchanges),
        "ledger_entries": ledger_entries,
    }
