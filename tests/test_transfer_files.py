"""Reading and writing the CSV files: zips and their guards, encodings, separators, formula cells.
Pure file handling: no database."""

import io
import zipfile

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from groups.transfer import csvfiles

AREAS = b"ref,name,level,parent_ref\nP,Jawa Tengah,province,\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def where(source) -> list[tuple]:
    return [(p.file, p.row, p.column) for p in source.problems]


@given(st.text())
def test_neutralising_is_undone_exactly_for_any_text(text):
    assert csvfiles.unneutralise(csvfiles.neutralise(text)) == text


def test_formula_cells_get_one_apostrophe_and_numbers_do_not():
    assert csvfiles.neutralise("+62812345") == "'+62812345"
    assert csvfiles.neutralise("=1+1") == "'=1+1"
    assert csvfiles.neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert csvfiles.neutralise("-7.38") == "-7.38"
    assert csvfiles.neutralise("- catatan") == "'- catatan"
    assert csvfiles.neutralise("'=x") == "''=x"
    assert csvfiles.neutralise("'ok") == "'ok"
    assert csvfiles.unneutralise("+62812345") == "+62812345"  # a file typed by hand
    # a tab or carriage return before a formula also starts one in some spreadsheets
    assert csvfiles.neutralise("\t=1+1") == "'\t=1+1"
    assert csvfiles.neutralise("\r@SUM(A1)") == "'\r@SUM(A1)"
    assert csvfiles.neutralise("'\t=x") == "''\t=x"


def test_a_zip_with_the_files_in_one_folder_is_read():
    source = csvfiles.read_files(
        {"upload.zip": make_zip({"komunitas/areas.csv": AREAS, "komunitas/x.txt": b""})}
    )
    assert source.problems == []
    assert source.tables["areas"].rows == [
        (2, {"ref": "P", "name": "Jawa Tengah", "level": "province", "parent_ref": ""})
    ]


def test_paths_that_climb_out_or_go_deep_are_never_read():
    data = make_zip({"../areas.csv": AREAS, "a/b/people.csv": b"ref,name,area_ref\n", "/groups.csv": b""})
    source = csvfiles.read_files({"upload.zip": data})
    assert source.tables == {}
    assert {w.file for w in source.warnings} == {"../areas.csv", "a/b/people.csv", "/groups.csv"}


def test_files_in_two_folders_are_refused():
    source = csvfiles.read_zip(make_zip({"a/areas.csv": AREAS, "b/people.csv": b"ref,name,area_ref\n"}))
    assert "one folder" in source.problems[0].message


def test_a_zip_bomb_stops_at_the_limit(monkeypatch):
    monkeypatch.setattr(csvfiles, "MAX_TOTAL_BYTES", 10_000)
    monkeypatch.setattr(csvfiles, "READ_CHUNK", 1024)
    data = make_zip({"exchanges.csv": b"0" * 1_000_000})
    assert len(data) < 5_000
    source = csvfiles.read_zip(data)
    assert source.tables == {} and "MB unpacked" in source.problems[0].message


def test_too_many_entries_are_refused(monkeypatch):
    monkeypatch.setattr(csvfiles, "MAX_ZIP_ENTRIES", 3)
    source = csvfiles.read_zip(make_zip({f"f{i}.txt": b"" for i in range(4)}))
    assert "more than 3 files" in source.problems[0].message


def test_a_damaged_or_protected_zip_is_a_problem_not_a_crash():
    assert "not a valid .zip" in csvfiles.read_zip(b"PK\x03\x04 broken").problems[0].message
    data = bytearray(make_zip({"areas.csv": AREAS}, compression=zipfile.ZIP_STORED))
    data[6] |= 1  # "encrypted" in the local header ...
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 1  # ... and in the central directory
    source = csvfiles.read_zip(bytes(data))
    assert where(source) == [("areas.csv", None, "")]
    assert "password" in source.problems[0].message
    truncated = make_zip({"areas.csv": AREAS * 100})[:-30]
    assert csvfiles.read_zip(truncated).problems


def test_a_zip_and_csv_files_together_are_refused():
    source = csvfiles.read_files(
        {"a.zip": make_zip({"areas.csv": AREAS}), "people.csv": b"ref,name,area_ref\n"}
    )
    assert source.problems and source.tables == {}


def test_the_same_file_twice_is_refused():
    source = csvfiles.read_zip(make_zip({"areas.csv": AREAS, "AREAS.CSV": AREAS}))
    assert "twice" in source.problems[0].message


def test_no_known_file_at_all_is_a_problem():
    source = csvfiles.read_files({"data.csv": b"a,b\n1,2\n"})
    assert "No CommunityMap files" in source.problems[0].message


def test_utf16_and_latin1_files_are_refused_clearly():
    for data in (
        "ref,name,level\nP,Jawa,province\n".encode("utf-16"),
        "ref,name,level\nP,Désa,province\n".encode("cp1252"),
    ):
        source = csvfiles.read_files({"areas.csv": data})
        assert source.tables == {} and "not UTF-8" in source.problems[0].message


def test_header_problems():
    empty = csvfiles.read_files({"areas.csv": b""})
    assert "no header" in empty.problems[0].message
    twice = csvfiles.read_files({"areas.csv": b"ref,name,level,name\nP,A,province,B\n"})
    assert where(twice) == [("areas.csv", 1, "name")]
    missing = csvfiles.read_files({"areas.csv": b"ref,level\nP,province\n"})
    assert where(missing) == [("areas.csv", 1, "name")]


def test_rows_of_empty_cells_are_skipped_and_short_rows_are_padded():
    source = csvfiles.read_files({"areas.csv": b"ref,name,level,parent_ref\n,,,\n\nP,Jawa Tengah,province\n"})
    assert source.tables["areas"].rows == [
        (4, {"ref": "P", "name": "Jawa Tengah", "level": "province", "parent_ref": ""})
    ]


def test_a_quoted_cell_may_hold_newlines_and_separators():
    data = b'ref;name;level\r\nP;"Jawa; ""Tengah""\r\nbaris dua";province\r\n'
    source = csvfiles.read_files({"areas.csv": data})
    assert source.tables["areas"].rows[0][1]["name"] == 'Jawa; "Tengah"\r\nbaris dua'


def test_writing_and_reading_a_zip_gives_the_same_tables():
    texts = {"areas": csvfiles.table_text("areas", [["P", "Jawa, Tengah", "province", ""]])}
    assert csvfiles.zip_bytes(texts) == csvfiles.zip_bytes(texts)  # same data, same bytes
    source = csvfiles.read_files({"x.zip": csvfiles.zip_bytes(texts)})
    assert source.tables["areas"].rows[0][1]["name"] == "Jawa, Tengah"
