"""Property: no input makes the import crash, and an import with any problem writes nothing.

Hypothesis feeds random bytes, random zips, and CSV files with shuffled or missing columns,
either separator, a BOM or not, and cells drawn from refs, codes, labels, dates, numbers,
formulas, control characters and arbitrary text. Each example runs in a rolled-back
transaction, so they do not see each other's writes.
"""

import codecs
import csv
import io
import zipfile

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.models import Activity, Area, Exchange, ExternalActor, Group, Membership, Norm, NormReview, Person
from groups.transfer import csvfiles, importer

from . import factories as f

REFS = [
    "D",
    "V1",
    "V2",
    "W",
    "G1",
    "G2",
    "H",
    "P-MEMBER",
    "P-MEMBER2",
    "P-OTHER",
    "A1",
    "N1",
    "X1",
    "NEW-1",
    "NEW-2",
    "ACT-1",
]
WORDS = [
    "",
    "money",
    "Pinjaman",
    "loan",
    "village",
    "district",
    "Desa",
    "female",
    "Perempuan",
    "arisan",
    "Kelompok tani",
    "meeting",
    "member",
    "leader",
    "trust",
    "consensus",
    "confirmed",
    "pending",
    "ngo",
    "2026-01-05",
    "2026-02-30",
    "05/01/2026",
    "1899",
    "1990",
    "0",
    "-1",
    "1,5",
    "50.000",
    "12.345678",
    "-8.6",
    "116.45",
    "1e9",
    "NaN",
    "+6281234567",
    "'+6281234567",
    "=1+1",
    "'=x",
    "@x",
    "a\x00b",
    "\x1b",
    "  padded  ",
    'quote"d',
    "semi;colon",
    "comma,here",
    "line\nbreak",
    "x" * 300,
]
cells = st.one_of(
    st.sampled_from(REFS),
    st.sampled_from(WORDS),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(min_value=-(10**13), max_value=10**13).map(str),
    st.text(max_size=20),
)


def snapshot() -> dict:
    models = [Area, Group, Person, ExternalActor, Membership, Norm, NormReview, Activity, Exchange]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["attendance"] = Activity.attendees.through.objects.count()
    return counts


@st.composite
def csv_file(draw, name=None):
    name = name or draw(st.sampled_from(csvfiles.FILE_NAMES))
    columns = draw(st.permutations(csvfiles.COLUMNS[name]))
    columns = columns[: draw(st.integers(min_value=1, max_value=len(columns)))]
    if draw(st.booleans()):
        columns = [*columns, "_uuid"]
    delimiter = draw(st.sampled_from([",", ";"]))
    rows = draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns) + 1), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if draw(st.booleans()):
        data = codecs.BOM_UTF8 + data
    return f"{name}.csv", data


def as_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def people(world, facilitator):
    f.ActorFactory(ref="A1", area=world.district)
    f.NormFactory(ref="N1", group=world.group)
    f.ExchangeFactory(ref="X1", giver_person=world.member_person, receiver_person=world.member2_person)
    return {"operator": None, "facilitator": facilitator}


def check(files: dict[str, bytes], user) -> importer.Plan:
    """Import in a transaction that is always rolled back; the property holds inside it."""
    with transaction.atomic():
        before = snapshot()
        with translation.override("id"):
            plan = importer.import_community(csvfiles.read_files(files), user=user)
        if plan.problems:
            assert snapshot() == before, plan.problems
        transaction.set_rollback(True)
    return plan


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(
    name=st.sampled_from([*(f"{n}.csv" for n in csvfiles.FILE_NAMES), "upload.zip"]),
    data=st.binary(max_size=400),
)
def test_random_bytes_never_crash_and_never_write(people, name, data):
    check({name: data}, None)


@PROPERTY
@given(
    entries=st.dictionaries(
        st.sampled_from(["areas.csv", "a/people.csv", "../x.csv", "b/groups.csv", "c"]),
        st.binary(max_size=200),
        max_size=4,
    )
)
def test_random_zips_never_crash_and_never_write(people, entries):
    assert check({"upload.zip": as_zip(entries)}, None).problems or not entries


@PROPERTY
@given(
    files=st.lists(csv_file(), min_size=1, max_size=3, unique_by=lambda item: item[0]),
    who=st.sampled_from(["operator", "facilitator"]),
    zipped=st.booleans(),
)
def test_random_csv_files_never_crash_and_write_nothing_when_refused(people, files, who, zipped):
    files = dict(files)
    check({"upload.zip": as_zip(files)} if zipped else files, people[who])


@PROPERTY
@given(file=csv_file(), how=st.sampled_from(["drop_required", "bad_byte"]), where=st.integers(min_value=0))
def test_malformed_files_are_always_refused(people, file, how, where):
    name, data = file
    text = data.decode("utf-8-sig")
    if how == "drop_required":
        header, _, rest = text.partition("\n")
        delimiter = ";" if header.count(";") > header.count(",") else ","
        required = csvfiles.REQUIRED[name[:-4]]
        kept = [c for c in header.strip("\r").split(delimiter) if c not in required[:1]]
        data = (delimiter.join(kept) + "\r\n" + rest).encode()
    else:
        encoded = text.encode()
        position = where % (len(encoded) + 1)
        data = encoded[:position] + b"\xff" + encoded[position:]
    assert check({name: data}, None).problems


@PROPERTY
@given(
    rows=st.lists(st.lists(cells, min_size=10, max_size=10), min_size=1, max_size=5),
    bad=st.sampled_from(["2026-02-30", "31-12-2026", "", "tomorrow"]),
)
def test_one_bad_exchange_date_refuses_the_whole_file(people, rows, bad):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csvfiles.COLUMNS["exchanges"])
    writer.writerows([["OK-1", "2026-01-05", "P-MEMBER", "P-MEMBER2", "care", "", "", "", "", ""], *rows])
    writer.writerow(["BAD-1", bad, "P-MEMBER", "P-MEMBER2", "care", "", "", "", "", ""])
    plan = check({"exchanges.csv": buffer.getvalue().encode()}, None)
    assert ("exchanges.csv", len(rows) + 3, "date") in [(p.file, p.row, p.column) for p in plan.problems]
