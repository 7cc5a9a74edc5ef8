"""The CSV files of the format, and reading and writing them.

Reading never trusts its input: a .zip is read entry by entry into memory (nothing is
extracted to disk, so no path can escape), with a cap on the number of entries and on the
bytes actually inflated; text must be UTF-8 (a BOM is dropped); the separator is a comma,
or a semicolon when the header holds more semicolons than commas (Excel in Indonesian).
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

# File name (without .csv) -> columns, in the order an export writes them.
COLUMNS: dict[str, list[str]] = {
    "areas": ["ref", "name", "level", "parent_ref"],
    "groups": [
        "ref",
        "name",
        "kind",
        "area_ref",
        "formed_on",
        "how_formed",
        "meeting_frequency",
        "description",
        "latitude",
        "longitude",
    ],
    "people": ["ref", "name", "nickname", "gender", "birth_year", "area_ref", "phone", "consent_on"],
    "actors": ["ref", "name", "kind", "area_ref", "authority"],
    "memberships": ["person_ref", "group_ref", "role", "joined_on", "left_on"],
    "norms": ["ref", "group_ref", "statement", "category", "how_agreed", "agreed_on"],
    "norm_reviews": ["norm_ref", "reviewed_on", "rating", "note", "rated_by", "raters"],
    "activities": ["ref", "group_ref", "kind", "date", "actor_ref", "title"],
    "attendance": ["activity_ref", "person_ref"],
    "exchanges": [
        "ref",
        "date",
        "giver_ref",
        "receiver_ref",
        "resource",
        "amount",
        "unit",
        "group_ref",
        "note",
        "status",
    ],
    "funds": ["ref", "group_ref", "kind", "name", "currency", "opened_on", "closed_on", "opening_balance"],
    "ledger": [
        "ref",
        "fund_ref",
        "date",
        "entry",
        "person_ref",
        "actor_ref",
        "amount",
        "loan_ref",
        "principal",
        "interest",
        "rate_percent_per_month",
        "method",
        "term_months",
        "reason",
        "note",
        "covered_ref",
    ],
}
FILE_NAMES = list(COLUMNS)  # also the order in which an import writes

# Columns a file cannot do without (the fields a record cannot exist without).
REQUIRED: dict[str, list[str]] = {
    "areas": ["ref", "name", "level"],
    "groups": ["ref", "name", "kind", "area_ref"],
    "people": ["ref", "name", "area_ref"],
    "actors": ["ref", "name", "kind", "area_ref"],
    "memberships": ["person_ref", "group_ref"],
    "norms": ["ref", "group_ref", "statement", "category"],
    "norm_reviews": ["norm_ref", "reviewed_on", "rating"],
    "activities": ["ref", "group_ref", "kind", "date"],
    "attendance": ["activity_ref", "person_ref"],
    "exchanges": ["ref", "date", "giver_ref", "receiver_ref", "resource"],
    "funds": ["ref", "group_ref", "kind", "name", "opened_on"],
    "ledger": ["ref", "fund_ref", "date", "entry", "amount"],
}

MAX_ZIP_ENTRIES = 100
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # unpacked, across all files
READ_CHUNK = 1024 * 1024

# A cell a spreadsheet would run as a formula starts with one of these (= + - @, or a tab
# or carriage return before one). On export such a cell gets one leading apostrophe; on
# import one is removed again. Counting the apostrophes already there ('*) makes the two
# exact inverses, so every text survives the round trip.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")  # a number, never a formula: left alone


def neutralise(value: str) -> str:
    """The text of a CSV cell as a spreadsheet may open it safely: every CSV this project
    writes (exports, score downloads, problem lists) passes its text cells through here."""
    if _NEEDS_QUOTE.match(value) and not _NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    if _QUOTED.match(value):
        return value[1:]
    return value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. row is the spreadsheet row (the header is row 1)."""

    file: str
    row: int | None
    column: str
    message: str

    def as_list(self) -> list:
        return [self.file, self.row, self.column, self.message]


@dataclass
class Table:
    name: str
    columns: list[str]  # the known columns present in the header
    rows: list[tuple[int, dict[str, str]]]  # (row number, column -> stripped, un-neutralised text)


@dataclass
class Source:
    """What was read: the tables found, and what was wrong with the files themselves."""

    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())


def file_label(name: str) -> str:
    return f"{name}.csv"


# --- Reading -----------------------------------------------------------------------------------


def read_path(path) -> Source:
    """A folder of CSV files, a .zip, or a single CSV file named like one of the files."""
    path = Path(path)
    if path.is_dir():
        blobs, source = {}, Source()
        for entry in sorted(path.iterdir()):
            if not entry.is_file() or entry.name.startswith("."):
                continue
            name = _known_name(entry.name)
            if name is None:
                if entry.suffix.lower() == ".csv":
                    source.warnings.append(_ignored(entry.name))
                continue
            if name in blobs:
                source.problems.append(_twice(entry.name))
                continue
            blobs[name] = entry.read_bytes()
        return _decode_all(blobs, source)
    if path.is_file():
        data = path.read_bytes()
        if zipfile.is_zipfile(io.BytesIO(data)):
            return read_zip(data)
        return read_files({path.name: data})
    source = Source()
    source.problems.append(
        Problem("", None, "", _("There is no folder or file “%(path)s”.") % {"path": str(path)})
    )
    return source


def read_files(files: dict[str, bytes]) -> Source:
    """Uploaded CSV files, by their file names (a single .zip among them is opened)."""
    source = Source()
    blobs: dict[str, bytes] = {}
    for filename, data in files.items():
        if filename.lower().endswith(".zip") or zipfile.is_zipfile(io.BytesIO(data)):
            if len(files) > 1:
                source.problems.append(
                    Problem(filename, None, "", _("Upload either one .zip file or CSV files, not both."))
                )
                return source
            return read_zip(data)
        name = _known_name(PurePosixPath(filename.replace("\\", "/")).name)
        if name is None:
            source.warnings.append(_ignored(filename))
            continue
        if name in blobs:
            source.problems.append(_twice(filename))
            continue
        blobs[name] = data
    return _decode_all(blobs, source)


def read_zip(data: bytes) -> Source:
    """The known files at the top of the .zip or inside one folder of it."""
    source = Source()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except Exception:  # zipfile raises many kinds of error on a damaged archive: all mean "not a zip"
        source.problems.append(Problem("", None, "", _("The file is not a valid .zip file.")))
        return source
    if len(entries) > MAX_ZIP_ENTRIES:
        source.problems.append(
            Problem(
                "", None, "", _("The .zip file holds more than %(count)s files.") % {"count": MAX_ZIP_ENTRIES}
            )
        )
        return source
    chosen: dict[str, zipfile.ZipInfo] = {}
    folders: set[str] = set()
    for info in entries:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
            continue  # macOS resource forks and hidden files
        name = _known_name(parts[-1])
        if name is None or len(parts) > 2 or ".." in parts or info.filename.startswith("/"):
            if parts[-1].lower().endswith(".csv"):
                source.warnings.append(_ignored(info.filename))
            continue
        folders.add(parts[0] if len(parts) == 2 else "")
        if name in chosen:
            source.problems.append(_twice(info.filename))
            continue
        chosen[name] = info
    if len(folders) > 1:
        source.problems.append(
            Problem("", None, "", _("Put all the CSV files in one folder of the .zip file."))
        )
        return source
    blobs: dict[str, bytes] = {}
    total = 0
    for name, info in chosen.items():
        # Count what is really inflated: the sizes a .zip declares can lie (a zip bomb).
        chunks = []
        try:
            with archive.open(info) as handle:
                while chunk := handle.read(READ_CHUNK):
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        source.problems.append(_too_big())
                        return source
                    chunks.append(chunk)
        except Exception:  # encrypted entry, unknown compression, bad CRC, zlib.error: never a crash
            source.problems.append(
                Problem(
                    info.filename,
                    None,
                    "",
                    _("The file could not be unpacked (it may be damaged or protected by a password)."),
                )
            )
            continue
        blobs[name] = b"".join(chunks)
    return _decode_all(blobs, source)


def _decode_all(blobs: dict[str, bytes], source: Source) -> Source:
    if sum(len(b) for b in blobs.values()) > MAX_TOTAL_BYTES:
        source.problems.append(_too_big())
        return source
    if not blobs and not source.problems:
        source.problems.append(
            Problem(
                "",
                None,
                "",
                _("No CommunityMap files were found. Name them %(names)s.")
                % {"names": ", ".join(file_label(n) for n in FILE_NAMES)},
            )
        )
    for name in FILE_NAMES:  # a fixed order keeps reports stable
        if name in blobs:
            table = decode_table(name, blobs[name], source)
            if table is not None:
                source.tables[name] = table
    return source


def decode_table(name: str, data: bytes, source: Source) -> Table | None:
    label = file_label(name)
    text = _utf8_text(label, data, source)
    if text is None:
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    row_number = 1
    try:
        header = next(reader, None)
        layout = _header_layout(name, label, header, source)
        if layout is None:
            return None
        columns, positions = layout
        rows = []
        for record in reader:
            row_number += 1
            cells = _row_cells(label, row_number, record, len(header), columns, positions, source)
            if cells is not None:
                rows.append((row_number, cells))
    except csv.Error:
        source.problems.append(
            Problem(
                label, row_number + 1, "", _("This row could not be read as CSV (check its quotation marks).")
            )
        )
        return None
    return Table(name=name, columns=columns, rows=rows)


def _utf8_text(label: str, data: bytes, source: Source) -> str | None:
    """The file's text (without a byte-order mark), or None and a problem if not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        source.problems.append(
            Problem(
                label,
                line,
                "",
                _(
                    "The file is not UTF-8 text (the first wrong character is on line %(line)s). "
                    "Save it from the spreadsheet as “CSV UTF-8”."
                )
                % {"line": line},
            )
        )
        return None


def _header_layout(
    name: str, label: str, header: list[str] | None, source: Source
) -> tuple[list[str], dict[str, int]] | None:
    """(known columns in file order, column -> position), or None when the header is
    missing or lacks a required column. Twice-named and unknown columns are reported."""
    if header is None or not any(cell.strip() for cell in header):
        source.problems.append(Problem(label, 1, "", _("The file has no header row.")))
        return None
    header = [cell.strip().lstrip("\ufeff").strip().lower() for cell in header]
    known = set(COLUMNS[name])
    columns, positions = [], {}
    for position, column in enumerate(header):
        if not column:
            continue
        if column in positions:
            source.problems.append(
                Problem(
                    label,
                    1,
                    column,
                    _("The column “%(column)s” appears twice in the header.") % {"column": column},
                )
            )
            continue
        positions[column] = position
        if column in known:
            columns.append(column)
        else:
            source.warnings.append(
                Problem(
                    label,
                    1,
                    column,
                    _("The column “%(column)s” is not part of the format and was ignored.")
                    % {"column": column},
                )
            )
    missing = [c for c in REQUIRED[name] if c not in positions]
    for column in missing:
        source.problems.append(
            Problem(
                label, 1, column, _("The required column “%(column)s” is missing.") % {"column": column}
            )
        )
    if missing:
        return None
    return columns, positions


def _row_cells(
    label: str,
    row_number: int,
    record: list[str],
    width: int,
    columns: list[str],
    positions: dict[str, int],
    source: Source,
) -> dict[str, str] | None:
    """One row's cells by column (stripped, un-neutralised); None for a blank row, or for a
    row with more cells than the header (reported)."""
    if not any(cell.strip() for cell in record):
        return None  # blank lines, and Excel's rows of empty cells
    if len(record) > width and any(cell.strip() for cell in record[width:]):
        source.problems.append(
            Problem(label, row_number, "", _("This row has more cells than the header has columns."))
        )
        return None
    cells = {}
    for column in columns:
        position = positions[column]
        cells[column] = unneutralise(record[position].strip()) if position < len(record) else ""
    return cells


def _known_name(filename: str) -> str | None:
    lower = filename.lower()
    if lower.endswith(".csv") and lower[:-4] in COLUMNS:
        return lower[:-4]
    return None


def _ignored(filename: str) -> Problem:
    return Problem(
        filename,
        None,
        "",
        _("“%(name)s” is not one of the format's files and was ignored.") % {"name": filename},
    )


def _twice(filename: str) -> Problem:
    return Problem(filename, None, "", _("The file “%(name)s” is there twice.") % {"name": filename})


def _too_big() -> Problem:
    return Problem(
        "",
        None,
        "",
        _("The files are larger than %(size)s MB unpacked.") % {"size": MAX_TOTAL_BYTES // (1024 * 1024)},
    )


# --- Writing -----------------------------------------------------------------------------------


def table_text(name: str, rows) -> str:
    """One file's text: header, then rows of strings, formula cells neutralised, CRLF (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS[name])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def write_folder(path, texts: dict[str, str]) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (path / file_label(name)).write_bytes(text.encode("utf-8"))


def zip_bytes(texts: dict[str, str], folder: str = "community") -> bytes:
    """A .zip of the files inside one folder; fixed timestamps make equal data give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in texts.items():
            info = zipfile.ZipInfo(f"{folder}/{file_label(name)}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()
