"""CSV import and export of a whole community: round trip, idempotence, updates,
all-or-nothing, every kind of problem, labels/BOM/semicolons, formula cells, scope."""

import codecs
import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from groups.models import (
    Activity,
    Area,
    AreaLevel,
    Assignment,
    EntryKind,
    Exchange,
    ExternalActor,
    Fund,
    Group,
    LedgerEntry,
    Membership,
    Norm,
    NormReview,
    Person,
    StaffRole,
)
from groups.transfer import csvfiles, exporter, importer

from . import factories as f

EXAMPLES = Path(__file__).resolve().parent.parent / "groups" / "examples" / "community"
TODAY = "2026-11-28"
HEADERS = {name: ",".join(columns) for name, columns in csvfiles.COLUMNS.items()}


def source(**files: str) -> csvfiles.Source:
    """Files given as text; a file's header is added unless the text starts with one (`ref` or `*_ref`)."""
    blobs = {}
    for name, text in files.items():
        text = text.strip("\n")
        first = text.split("\n", 1)[0]
        if not first.startswith(csvfiles.COLUMNS[name][0]):
            text = HEADERS[name] + "\n" + text
        blobs[f"{name}.csv"] = (text + "\n").encode("utf-8")
    return csvfiles.read_files(blobs)


def run(user=None, **files: str) -> importer.Plan:
    return importer.import_community(source(**files), user=user)


def snapshot() -> dict[str, int]:
    models = [
        Area,
        Group,
        Person,
        ExternalActor,
        Membership,
        Norm,
        NormReview,
        Activity,
        Exchange,
        Fund,
        LedgerEntry,
    ]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["attendance"] = Activity.attendees.through.objects.count()
    return counts


def problems(plan) -> list[tuple]:
    return [(p.file, p.row, p.column) for p in plan.problems]


def messages(plan) -> str:
    return " | ".join(p.message for p in plan.problems)


def empty_community() -> None:
    """Delete every community record (children first: the database protects parents)."""
    LedgerEntry.objects.exclude(kind=EntryKind.LOAN).delete()  # repayments name their loans
    LedgerEntry.objects.all().delete()
    Fund.objects.all().delete()
    Exchange.objects.all().delete()
    Activity.objects.all().delete()
    NormReview.objects.all().delete()
    Norm.objects.all().delete()
    Membership.objects.all().delete()
    Person.objects.all().delete()
    ExternalActor.objects.all().delete()
    Group.objects.all().delete()
    for level in (AreaLevel.VILLAGE, AreaLevel.DISTRICT, AreaLevel.REGENCY, AreaLevel.PROVINCE):
        Area.objects.filter(level=level).delete()
    assert sum(snapshot().values()) == 0


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def base(db):
    """A village with two people, an actor and a group, as a small file set would reference."""
    district = f.AreaFactory(ref="KEC", name="Kecamatan Sakra", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="DESA", name="Desa Rumbuk", parent=district)
    group = f.GroupFactory(ref="GRP", area=village)
    f.PersonFactory(ref="P1", full_name="Siti Aisyah", area=village)
    f.PersonFactory(ref="P2", full_name="Baiq Nur", area=village)
    f.ActorFactory(ref="ACT", area=district)
    return village, group


# --- round trip and idempotence ----------------------------------------------------------------


@pytest.mark.slow
def test_demo_community_exports_and_reimports_into_an_empty_database_identically(db):
    with transaction.atomic():  # seeded and exported, then rolled back: an empty database
        call_command("seed_demo", today=TODAY, stdout=StringIO())
        before = snapshot()
        first = exporter.export_community()
        transaction.set_rollback(True)
    assert sum(snapshot().values()) == 0

    plan = importer.import_community(csvfiles.read_files({"demo.zip": csvfiles.zip_bytes(first)}))

    assert plan.problems == []
    assert snapshot() == before
    assert {n: c.created for n, c in plan.counts.items()} == {
        "areas": before["Area"],
        "actors": before["ExternalActor"],
        "groups": before["Group"],
        "people": before["Person"],
        "memberships": before["Membership"],
        "norms": before["Norm"],
        "norm_reviews": before["NormReview"],
        "activities": before["Activity"],
        "attendance": before["attendance"],
        "exchanges": before["Exchange"],
        "funds": before["Fund"],
        "ledger": before["LedgerEntry"],
    }
    assert exporter.export_community() == first
    # Importing the same files again changes nothing.
    again = importer.import_community(csvfiles.read_files({"demo.zip": csvfiles.zip_bytes(first)}))
    assert again.problems == []
    assert again.rows_to_write == 0
    assert all(c.unchanged == c.total for c in again.counts.values())
    assert snapshot() == before


def test_example_folder_imports_and_is_exactly_what_an_export_writes(db):
    plan = importer.import_community(csvfiles.read_path(EXAMPLES))
    assert plan.problems == [] and plan.warnings == []
    assert Person.objects.get(ref="W-001").phone == "+6281907112233"  # '+62... read back
    assert NormReview.objects.get(norm__ref="N-KUBE-1").note.startswith("- pembagian")
    assert Exchange.objects.get(ref="EX-0016").status == "confirmed"  # blank status
    exported = exporter.export_community()
    for name, text in exported.items():
        assert text.replace("\r\n", "\n") == (EXAMPLES / f"{name}.csv").read_text("utf-8"), name
    assert importer.import_community(csvfiles.read_path(EXAMPLES)).rows_to_write == 0


def test_a_changed_row_updates_its_record_and_never_duplicates_it(base):
    run(exchanges="X1,2026-01-05,P1,P2,money,50000,IDR,GRP,,confirmed")
    plan = run(
        people="P1,Siti Aisyah Rahmawati,Inaq Siti,female,1980,DESA,,2025-01-01",
        exchanges="X1,2026-01-05,P1,P2,money,75000,IDR,GRP,dibayar dua kali,pending",
    )
    assert plan.problems == []
    assert (plan.counts["people"].updated, plan.counts["exchanges"].updated) == (1, 1)
    assert Person.objects.filter(ref="P1").count() == 1 and Exchange.objects.count() == 1
    exchange = Exchange.objects.get(ref="X1")
    assert (exchange.amount, exchange.note, exchange.status) == (
        Decimal("75000"),
        "dibayar dua kali",
        "pending",
    )
    assert Person.objects.get(ref="P1").full_name == "Siti Aisyah Rahmawati"


def test_a_column_left_out_keeps_the_field_and_an_empty_cell_empties_it(base):
    Person.objects.filter(ref="P1").update(phone="+62811111111", nickname="Inaq Siti")
    plan = run(people="ref,name,area_ref,nickname\nP1,Siti Aisyah,DESA,")
    assert plan.problems == [] and plan.counts["people"].updated == 1
    person = Person.objects.get(ref="P1")
    assert (person.phone, person.nickname) == ("+62811111111", "")


def test_memberships_match_by_person_group_and_joining_date(base):
    rows = "P1,GRP,member,2024-01-01,2024-06-30\nP1,GRP,treasurer,2024-09-01,"
    assert run(memberships=rows).counts["memberships"].created == 2
    plan = run(memberships="P1,GRP,leader,2024-09-01,")
    assert (
        plan.counts["memberships"].updated == 1 and Membership.objects.filter(person__ref="P1").count() == 2
    )
    assert Membership.objects.get(person__ref="P1", left_on=None).role == "leader"
    # Closing the open membership and opening a new one in the same import is fine.
    plan = run(memberships="P1,GRP,leader,2024-09-01,2025-01-31\nP1,GRP,member,2025-02-01,")
    assert plan.problems == []
    assert Membership.objects.filter(person__ref="P1").count() == 3


def test_parents_may_come_after_their_children_in_areas_csv(db):
    plan = run(
        areas="V1,Desa Lepak,village,K1\nK1,Kecamatan Sakra Timur,district,R1\nR1,Lombok Timur,regency,"
    )
    assert plan.problems == []
    assert Area.objects.get(ref="V1").parent.parent.ref == "R1"


# --- all or nothing ----------------------------------------------------------------------------


def test_one_bad_row_among_many_writes_nothing_and_is_listed(base):
    rows = [f"X{i},2026-02-{i % 28 + 1:02d},P1,P2,labour,{i},jam,GRP,," for i in range(60)]
    rows[41] = "X41,2026-02-30,P1,P2,labour,3,jam,GRP,,"
    before = snapshot()
    plan = run(
        people="P3,Rohani,,female,1988,DESA,,",
        exchanges="\n".join(rows),
    )
    assert problems(plan) == [("exchanges.csv", 43, "date")]
    assert "2026-02-30" in messages(plan)
    assert snapshot() == before


def test_the_query_count_does_not_grow_with_the_rows(base):
    def queries(count: int, prefix: str) -> int:
        rows = "\n".join(f"{prefix}{i},2026-03-01,P1,P2,goods,{i},kg,GRP,," for i in range(count))
        with CaptureQueriesContext(connection) as context:
            assert run(exchanges=rows).problems == []
        return len(context)

    # Batches, not rows: SQLite caps the parameters per statement, so a few more inserts there.
    few, many = queries(10, "A"), queries(400, "B")
    assert many <= few + 400 // 50


# --- each kind of problem -----------------------------------------------------------------------

PROBLEMS = [
    # (files, (file, row, column), part of the message)
    (
        {"exchanges": "X1,2026-01-05,P1,NOBODY,money,,,,,"},
        ("exchanges.csv", 2, "receiver_ref"),
        "no person or external actor",
    ),
    ({"exchanges": "X1,05/01/2026,P1,P2,money,,,,,"}, ("exchanges.csv", 2, "date"), "not a date"),
    ({"exchanges": "X1,2026-01-05,P1,P2,gold,,,,,"}, ("exchanges.csv", 2, "resource"), "not a known value"),
    (
        {"exchanges": "X1,2026-01-05,P1,P1,care,,,,,"},
        ("exchanges.csv", 2, "receiver_ref"),
        "must be different",
    ),
    (
        {"exchanges": "X1,2026-01-05,P1,P2,care,,,,,\nX1,2026-01-06,P2,P1,care,,,,,"},
        ("exchanges.csv", 3, "ref"),
        "already used on row 2",
    ),
    (
        {"exchanges": "X1,2026-01-05,P1,P2,money,-5,IDR,,,"},
        ("exchanges.csv", 2, "amount"),
        "cannot be negative",
    ),
    (
        {"exchanges": "X1,2026-01-05,P1,P2,money,50.000.00,IDR,,,"},
        ("exchanges.csv", 2, "amount"),
        "is not an amount",
    ),
    (
        {"exchanges": "X1,2026-01-05,P1,P2,money,,,,,maybe"},
        ("exchanges.csv", 2, "status"),
        "not a known value",
    ),
    ({"exchanges": "X1,2026-01-05,,P2,money,,,,,"}, ("exchanges.csv", 2, "giver_ref"), "required"),
    (
        {"exchanges": "ref,date,giver_ref,resource\nX1,2026-01-05,P1,money"},
        ("exchanges.csv", 1, "receiver_ref"),
        "required column",
    ),
    ({"exchanges": "X 1,2026-01-05,P1,P2,money,,,,,"}, ("exchanges.csv", 2, "ref"), "not a valid code"),
    ({"exchanges": "X1,2026-01-05,P1,P2,money,,,,,,extra"}, ("exchanges.csv", 2, ""), "more cells"),
    (
        {"exchanges": "X1,2026-01-05,P1,P2,money,,,,bad\x00note,"},
        ("exchanges.csv", 2, "note"),
        "control character",
    ),
    ({"exchanges": "X1,2026-01-05,P1,P2,money,,,ELSEWHERE,,"}, ("exchanges.csv", 2, "group_ref"), "no group"),
    ({"people": "P9,Rohani,,woman,,DESA,,"}, ("people.csv", 2, "gender"), "not a known value"),
    (
        {"people": f"P9,Rohani,,,{timezone.localdate().year + 1},DESA,,"},
        ("people.csv", 2, "birth_year"),
        "future",
    ),
    ({"people": "P9,Rohani,,,1899,DESA,,"}, ("people.csv", 2, "birth_year"), "from 1900 to 2100"),
    ({"people": "P9,Rohani,,,,DESA,12ab,"}, ("people.csv", 2, "phone"), "not a phone number"),
    ({"people": "P9,Rohani,,,,NOWHERE,,"}, ("people.csv", 2, "area_ref"), "no area"),
    ({"people": "ACT,Rohani,,,,DESA,,"}, ("people.csv", 2, "ref"), "already used by an external actor"),
    ({"people": "P9," + "x" * 201 + ",,,,DESA,,"}, ("people.csv", 2, "name"), "longer than 200"),
    (
        {"people": "P9,Rohani,,,,DESA,,", "actors": "P9,Koperasi,cooperative,DESA"},
        ("people.csv", 2, "ref"),
        "already used by an external actor",
    ),
    ({"areas": "V9,Desa Baru,village,"}, ("areas.csv", 2, "parent_ref"), "village must be part"),
    ({"areas": "K9,Kecamatan Baru,district,DESA"}, ("areas.csv", 2, "parent_ref"), "smaller level"),
    ({"areas": "DESA,Desa Rumbuk,district,KEC"}, ("areas.csv", 2, "parent_ref"), "smaller level"),
    ({"areas": "K9,Kecamatan Baru,district,K9"}, ("areas.csv", 2, "parent_ref"), "part of itself"),
    (
        {"groups": "G9,Arisan,arisan,DESA,,,,,-8.6,"},
        ("groups.csv", 2, "latitude"),
        "both latitude and longitude",
    ),
    ({"groups": "G9,Arisan,arisan,DESA,,,,,-95,110"}, ("groups.csv", 2, "latitude"), "from -90 to 90"),
    ({"groups": "G9,Arisan,club,DESA,,,,,,"}, ("groups.csv", 2, "kind"), "not a known value"),
    (
        {"memberships": "P1,GRP,member,2025-05-01,2025-04-01"},
        ("memberships.csv", 2, "left_on"),
        "leave before joining",
    ),
    (
        {"memberships": "P1,GRP,member,2025-01-01,\nP1,GRP,member,2025-05-01,"},
        ("memberships.csv", 2, "left_on"),
        "two open memberships",
    ),
    ({"norms": "N9,GRP,,trust,,"}, ("norms.csv", 2, "statement"), "required"),
    ({"norm_reviews": "NOPE,2025-01-01,4,"}, ("norm_reviews.csv", 2, "norm_ref"), "no norm"),
    (
        {"norms": "N9,GRP,Jujur,trust,,", "norm_reviews": "N9,2025-01-01,6,"},
        ("norm_reviews.csv", 2, "rating"),
        "from 1 to 5",
    ),
    (
        {"norms": "N9,GRP,Jujur,trust,,", "norm_reviews": "N9,2025-01-01,4,,group_meeting,0"},
        ("norm_reviews.csv", 2, "raters"),
        "from 1 to 10000",
    ),
    (
        {"norms": "N9,GRP,Jujur,trust,,", "norm_reviews": "N9,2025-01-01,4,,everyone,"},
        ("norm_reviews.csv", 2, "rated_by"),
        "not a known value",
    ),
    (
        # the review form's rule: the leader or the facilitator alone is one person
        {"norms": "N9,GRP,Jujur,trust,,", "norm_reviews": "N9,2025-01-01,4,,leader,23"},
        ("norm_reviews.csv", 2, "raters"),
        "The leader or the facilitator rating alone is one person: write 1.",
    ),
    (
        {"activities": "A9,GRP,meeting,2025-01-01,NOPE,"},
        ("activities.csv", 2, "actor_ref"),
        "no external actor",
    ),
    (
        {"activities": "A9,GRP,meeting,2025-01-01,,", "attendance": "A9,P1\nA9,P1"},
        ("attendance.csv", 3, "person_ref"),
        "already listed",
    ),
    ({"attendance": "NOPE,P1"}, ("attendance.csv", 2, "activity_ref"), "no activity"),
]


@pytest.mark.parametrize(("files", "where", "message"), PROBLEMS)
def test_each_problem_is_reported_with_file_row_and_column(base, files, where, message):
    before = snapshot()
    plan = run(**files)
    assert where in problems(plan), plan.problems
    assert message in messages(plan)
    assert snapshot() == before


def test_who_rated_a_norm_is_read_by_code_or_label_and_an_older_file_leaves_it_blank(base):
    norms = "N9,GRP,Jujur,trust,,\nN8,GRP,Rukun,trust,,"
    reviews = "N9,2025-01-01,4,,Ketua kelompok,1\nN8,2025-01-01,5,,group_meeting,23"
    assert run(norms=norms, norm_reviews=reviews).problems == []
    found = {r.norm.ref: (r.rated_by, r.raters) for r in NormReview.objects.select_related("norm")}
    assert found == {"N9": ("leader", 1), "N8": ("group_meeting", 23)}
    facilitator = "N9,2025-03-01,4,,facilitator,"  # blank: the facilitator alone is one person
    assert run(norm_reviews=facilitator).problems == []
    assert NormReview.objects.get(reviewed_on=dt.date(2025, 3, 1)).raters == 1
    old = "norm_ref,reviewed_on,rating,note\nN9,2025-02-01,3,"  # a file from before these columns
    assert run(norm_reviews=old).problems == []
    assert NormReview.objects.get(reviewed_on=dt.date(2025, 2, 1)).rated_by == ""


def test_a_ref_naming_both_a_person_and_an_actor_is_refused(base):
    f.PersonFactory(ref="BOTH", area=Area.objects.get(ref="DESA"))
    f.ActorFactory(ref="BOTH")
    plan = run(exchanges="X1,2026-01-05,BOTH,P2,money,,,,,")
    assert problems(plan) == [("exchanges.csv", 2, "giver_ref")]
    assert "both a person and an external actor" in messages(plan)


def test_every_problem_is_listed_not_only_the_first(base):
    plan = run(exchanges="X1,bad,P1,P1,gold,-1,,,,\nX2,2026-01-01,NOBODY,P2,money,,,,,")
    assert problems(plan) == [
        ("exchanges.csv", 2, "date"),
        ("exchanges.csv", 2, "resource"),
        ("exchanges.csv", 2, "amount"),
        ("exchanges.csv", 2, "receiver_ref"),
        ("exchanges.csv", 3, "giver_ref"),
    ]


def test_a_file_that_is_not_utf8_is_refused_with_the_line(db):
    data = "ref,name,level,parent_ref\nP,Jawa,province,\nD,Désa,district,P\n".encode("latin-1")
    plan = importer.import_community(csvfiles.read_files({"areas.csv": data}))
    assert problems(plan) == [("areas.csv", 3, "")]
    assert "not UTF-8" in messages(plan)
    assert Area.objects.count() == 0


def test_bom_semicolons_and_labels_instead_of_codes_are_read(base):
    text = "\n".join(
        [
            "ref;name;kind;area_ref;latitude;longitude",
            "G9;Kelompok Tani Sejahtera;Kelompok tani;DESA;-8,6215;116,4483",
            "G10;Arisan RT 02;Arisan (rotating savings);DESA;;",
            "G11;Pengajian;  pengajian ;DESA;;",
        ]
    )
    people = "\ufeffref;name;gender;area_ref\nP9;Rohani;Perempuan;DESA\nP10;Hamdani;Male;DESA\n"
    plan = importer.import_community(
        csvfiles.read_files(
            {
                "groups.csv": codecs.BOM_UTF8 + text.encode(),
                "people.csv": people.encode("utf-8"),
                "exchanges.csv": b"ref;date;giver_ref;receiver_ref;resource\nX9;2026-01-05;P9;P10;Pinjaman\n",
            }
        )
    )
    assert plan.problems == []
    assert dict(Group.objects.filter(ref__in=["G9", "G10", "G11"]).values_list("ref", "kind")) == {
        "G9": "farmers",
        "G10": "arisan",
        "G11": "religious",
    }
    assert Group.objects.get(ref="G9").latitude == Decimal("-8.6215")
    assert dict(Person.objects.filter(ref__in=["P9", "P10"]).values_list("ref", "gender")) == {
        "P9": "female",
        "P10": "male",
    }
    assert Exchange.objects.get(ref="X9").resource == "loan"


def test_unknown_columns_and_files_are_noted_but_do_not_stop_the_import(base):
    plan = importer.import_community(
        csvfiles.read_files(
            {
                "people.csv": b"ref,name,area_ref,_uuid\nP9,Rohani,DESA,abc\n",
                "notes.csv": b"anything\n",
            }
        )
    )
    assert plan.problems == []
    assert {(w.file, w.column) for w in plan.warnings} == {("people.csv", "_uuid"), ("notes.csv", "")}
    assert Person.objects.filter(ref="P9").exists()


# --- formula cells --------------------------------------------------------------------------------


def test_formula_cells_are_neutralised_on_export_and_read_back_unchanged(base):
    Person.objects.filter(ref="P1").update(phone="+6281234567890", nickname="=HYPERLINK(1)")
    Person.objects.filter(ref="P2").update(nickname="'=already quoted")
    f.ExchangeFactory(
        ref="X1",
        giver_person=Person.objects.get(ref="P1"),
        receiver_person=Person.objects.get(ref="P2"),
        note="@here -5 kg",
        unit="-",
        amount=Decimal("12.5"),
    )
    Group.objects.filter(ref="GRP").update(latitude=Decimal("-8.64"), longitude=Decimal("116.45"))
    texts = exporter.export_community()
    assert "'+6281234567890" in texts["people"]
    assert "'=HYPERLINK(1)" in texts["people"] and "''=already quoted" in texts["people"]
    assert "'@here -5 kg" in texts["exchanges"] and ",'-," in texts["exchanges"]
    assert ",-8.64,116.45" in texts["groups"]  # a negative number is not a formula: left alone
    empty_community()
    assert (
        importer.import_community(
            csvfiles.read_files({f"{n}.csv": t.encode() for n, t in texts.items()})
        ).problems
        == []
    )
    assert Person.objects.get(ref="P1").phone == "+6281234567890"
    assert Person.objects.get(ref="P1").nickname == "=HYPERLINK(1)"
    assert Person.objects.get(ref="P2").nickname == "'=already quoted"
    assert (Exchange.objects.get(ref="X1").note, Exchange.objects.get(ref="X1").unit) == ("@here -5 kg", "-")
    assert Group.objects.get(ref="GRP").latitude == Decimal("-8.64")


# --- scope: facilitators and coordinators write only inside their own areas and groups ----------


def test_a_facilitator_cannot_import_into_another_area(world, facilitator):
    before = snapshot()
    plan = run(
        user=facilitator,
        groups="G-NEW,Kelompok Baru,arisan,W,,,,,,",
        exchanges="X1,2026-01-05,P-MEMBER,P-MEMBER2,care,,,G1,,",
    )
    assert problems(plan) == [("groups.csv", 2, "area_ref")]
    assert "outside the areas and groups you work in" in messages(plan)
    assert snapshot() == before


def test_a_facilitator_writes_for_their_own_group_and_is_recorded_as_logger(world, facilitator):
    plan = run(
        user=facilitator,
        people="P-NEW,Rohani,,female,1990,V1,,2026-01-02",
        memberships="P-NEW,G1,member,2026-01-02,",
        exchanges="X1,2026-01-05,P-MEMBER,P-NEW,care,2,jam,G1,,pending",
    )
    assert plan.problems == []
    assert Exchange.objects.get(ref="X1").logged_by == facilitator
    assert Person.objects.get(ref="P-NEW").consent_recorded_by == facilitator


def test_a_facilitator_cannot_touch_people_or_groups_they_do_not_look_after(world, facilitator):
    plan = run(
        user=facilitator,
        people="P-OTHER,Renamed,,,,W,,\nP-LONE,Sendiri,,,,V1,,",
        groups="G1,Arisan RT 03,arisan,V1,,,,,,\nG2,Karang Taruna Baru,youth,V2,,,,,,",
    )
    # P-LONE lives in the group's village, where the person form lets this facilitator register people.
    assert problems(plan) == [("groups.csv", 3, "ref"), ("people.csv", 2, "ref")]
    assert Person.objects.get(ref="P-OTHER").full_name == "Orang Lain"
    plan = run(user=facilitator, exchanges="X1,2026-01-05,P-MEMBER,P-OTHER,care,,,,,")
    assert problems(plan) == [("exchanges.csv", 2, "receiver_ref")]
    assert "no person or external actor" in messages(plan)  # someone else's person stays unknown


def test_an_area_facilitator_imports_inside_the_area_only(world):
    user = f.UserFactory(username="pendamping-desa")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=world.village)
    plan = run(user=user, groups="G-NEW,Arisan Baru,arisan,V1,,,,,,\nG-FAR,Arisan Jauh,arisan,V2,,,,,,")
    assert problems(plan) == [("groups.csv", 3, "area_ref")]
    plan = run(user=user, groups="G-NEW,Arisan Baru,arisan,V1,,,,,,", people="P-NEW,Rohani,,,,V1,,")
    assert plan.problems == [] and Group.objects.filter(ref="G-NEW").exists()


def test_areas_are_imported_by_administrators_only_as_in_the_forms(world, staff):
    user = f.UserFactory(username="pendamping-kecamatan")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=world.district)
    plan = run(user=user, areas="V3,Desa Baru,village,D", groups="G-NEW,Arisan,arisan,V1,,,,,,")
    assert problems(plan) == [("areas.csv", 2, "ref")]
    assert "Only an administrator adds or changes areas" in messages(plan)
    plan = run(user=staff, areas="V3,Desa Baru,village,D", groups="G-NEW,Arisan,arisan,V3,,,,,,")
    assert plan.problems == [] and Area.objects.get(ref="V3").parent == world.district


def test_unchanged_rows_outside_the_scope_pass(world, facilitator):
    """A facilitator's own export names the areas above theirs: re-importing it writes nothing."""
    texts = exporter.export_community(area=world.village, user=facilitator)
    plan = importer.import_community(
        csvfiles.read_files({f"{n}.csv": t.encode() for n, t in texts.items()}), user=facilitator
    )
    assert plan.problems == [] and plan.rows_to_write == 0


# --- pseudonyms and erasure ---------------------------------------------------------------------


def test_pseudonymised_export_keeps_refs_and_is_stable(base):
    Person.objects.filter(ref="P1").update(phone="+6281234567890", nickname="Inaq Siti")
    first = exporter.export_community(pseudonymize=True)
    assert first == exporter.export_community(pseudonymize=True)
    assert "Siti Aisyah" not in first["people"] and "6281234567890" not in first["people"]
    name = exporter.pseudonym("P1")
    assert name.startswith("Warga ") and f"P1,{name},,," in first["people"]
    assert exporter.pseudonym("P2") != name


def test_a_pseudonymised_file_cannot_overwrite_real_names(base):
    texts = exporter.export_community(pseudonymize=True)
    plan = importer.import_community(csvfiles.read_files({"people.csv": texts["people"].encode()}))
    assert ("people.csv", 2, "name") in problems(plan)
    assert Person.objects.get(ref="P1").full_name == "Siti Aisyah"
    empty_community()  # into an empty database it loads, as a pseudonymised copy
    plan = importer.import_community(csvfiles.read_files({f"{n}.csv": t.encode() for n, t in texts.items()}))
    assert plan.problems == [] and Person.objects.get(ref="P1").full_name == exporter.pseudonym("P1")


def test_an_erased_person_is_not_filled_in_again(base):
    Person.objects.filter(ref="P1").update(full_name="(erased)", erased_at=timezone.now())
    plan = run(people="P1,Siti Aisyah,,,,DESA,,")
    assert problems(plan) == [("people.csv", 2, "ref")]
    assert Person.objects.get(ref="P1").full_name == "(erased)"


# --- export of an area ----------------------------------------------------------------------------


def test_an_area_export_holds_what_it_touches_and_loads_into_an_empty_database(world):
    outsider = world.other_member_person
    f.ExchangeFactory(ref="X-BRIDGE", giver_person=world.member_person, receiver_person=outsider)
    f.ExchangeFactory(
        ref="X-FAR", giver_person=outsider, receiver_person=f.PersonFactory(area=world.other_village)
    )
    texts = exporter.export_community(area=world.village)
    assert "X-BRIDGE" in texts["exchanges"] and "X-FAR" not in texts["exchanges"]
    assert "P-OTHER" in texts["people"] and ",W," in texts["people"]
    assert texts["areas"].splitlines()[1:] == [
        "D,Kecamatan Kertek,district,",
        "E,Kecamatan Lain,district,",
        "V1,Desa Sumberejo,village,D",
        "W,Desa Lain,village,E",
    ]
    empty_community()
    plan = importer.import_community(csvfiles.read_files({f"{n}.csv": t.encode() for n, t in texts.items()}))
    assert plan.problems == []
    assert exporter.export_community(area=Area.objects.get(ref="V1")) == texts


def test_a_coordinators_export_shows_no_names_they_may_not_see(world, coordinator):
    texts = exporter.export_community(area=world.district, user=coordinator, pseudonymize=True)
    assert "Sri Handayani" not in texts["people"] and exporter.pseudonym("P-MEMBER") in texts["people"]
    assert "P-OTHER" not in texts["people"]  # outside the district


# --- the management commands -----------------------------------------------------------------------


def test_import_command_dry_run_counts_and_writes_nothing(db):
    out = StringIO()
    call_command("import_community", str(EXAMPLES), "--dry-run", stdout=out, stderr=StringIO())
    assert "people.csv: 16 to create, 0 to update, 0 unchanged" in out.getvalue()
    assert Person.objects.count() == 0
    call_command("import_community", str(EXAMPLES), stdout=out)
    assert Person.objects.count() == 16


def test_import_command_lists_problems_and_fails(base, tmp_path):
    (tmp_path / "exchanges.csv").write_text(HEADERS["exchanges"] + "\nX1,2026-13-01,P1,P2,money,,,,,\n")
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_community", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "exchanges.csv:2:date: " in err.getvalue()
    assert Exchange.objects.count() == 0


def test_export_command_writes_a_folder_or_a_zip(world, tmp_path):
    call_command(
        "export_community", str(tmp_path / "out"), "--area", "V1", "--pseudonymize", stdout=StringIO()
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{n}.csv" for n in csvfiles.FILE_NAMES
    )
    assert "Sri Handayani" not in (tmp_path / "out" / "people.csv").read_text()
    call_command("export_community", str(tmp_path / "all.zip"), stdout=StringIO())
    assert csvfiles.read_path(tmp_path / "all.zip").tables["people"].rows
    with pytest.raises(CommandError):
        call_command("export_community", str(tmp_path / "x"), "--area", "NOWHERE", stdout=StringIO())


def test_import_command_reports_a_missing_path(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_community", str(tmp_path / "missing"), stdout=StringIO(), stderr=StringIO())


def test_dates_and_numbers_are_exported_in_one_form(base):
    f.ExchangeFactory(
        ref="X1",
        date=dt.date(2026, 1, 5),
        giver_person=Person.objects.get(ref="P1"),
        receiver_person=Person.objects.get(ref="P2"),
        amount=Decimal("250000.00"),
        unit="IDR",
    )
    assert "X1,2026-01-05,P1,P2,money,250000,IDR,,,confirmed" in exporter.export_community()["exchanges"]


def test_a_coordinator_who_sees_names_sees_only_those_who_consented(world):
    user = f.UserFactory(username="koordinator-nama")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=world.district, sees_names=True)
    f.PersonFactory(ref="P-NOCONSENT", full_name="Tanpa Izin", area=world.village, consent_on=None)
    texts = exporter.export_community(area=world.district, user=user)
    assert "Sri Handayani" in texts["people"] and "Tanpa Izin" not in texts["people"]
    assert exporter.pseudonym("P-NOCONSENT") in texts["people"]


def test_the_export_query_count_does_not_grow_with_the_rows(base):
    giver, receiver = Person.objects.get(ref="P1"), Person.objects.get(ref="P2")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            exporter.export_community(area=Area.objects.get(ref="KEC"))
        return len(context)

    f.ExchangeFactory(giver_person=giver, receiver_person=receiver)
    few = queries()
    for _ in range(40):
        f.ExchangeFactory(giver_person=giver, receiver_person=f.PersonFactory(area=giver.area))
    assert queries() == few


def test_an_import_recomputes_the_scores_of_the_areas_it_touched(db, monkeypatch):
    """Bulk writes send no signals, so the importer itself reports what it changed."""
    from groups.scores import changes as score_changes

    noted = {}
    monkeypatch.setattr(score_changes, "note_change", lambda **changes: noted.update(changes))
    plan = run(
        areas="KAB,Kabupaten,regency,\nDESA,Desa Baru,village,KAB",
        people="P1,Ani,,,,DESA,,",
    )
    assert not plan.problems
    desa = Area.objects.get(ref="DESA")
    assert desa.pk in noted["areas"]
    assert set(noted["people"]) == {desa.people.get().pk}
