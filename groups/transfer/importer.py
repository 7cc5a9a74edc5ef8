"""Import a community from CSV files: validate everything first, then write all of it or nothing.

plan_import() reads every row, resolves every ref against the files and the database, checks
the importing user's scope and returns a Plan: every problem (file, row, column, message) and,
per file, how many records would be created, updated or left unchanged. It loads what it needs
with a few queries per file (refs in chunks), never one query per row. import_community() does
the same inside a transaction and, when there is no problem, writes the plan (writer.py).
Who may write what is checked in scope.py.

Matching: records with a ref by their ref; memberships by (person, group, joined_on) and norm
reviews by (norm, reviewed_on), the n-th such row matching the n-th such record (oldest first);
attendance by (activity, person). An import adds and updates, it never deletes. A column left
out of a file leaves that field as it is; an empty cell empties it (or sets the default).
"""

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import (
    LEVEL_DEPTH,
    Activity,
    ActivityKind,
    ActorKind,
    Area,
    AreaLevel,
    ExchangeStatus,
    Gender,
    GroupKind,
    HowAgreed,
    HowFormed,
    MeetingFrequency,
    Membership,
    NormCategory,
    NormReview,
    RatedBy,
    Resource,
    Role,
    exchange_ends,
    raters_of,
)

from . import funds, parsing
from .csvfiles import COLUMNS, FILE_NAMES, Problem, Source, Table, file_label
from .exporter import is_pseudonym
from .fields import COMPARED_ONLY_WHEN_SET, DB_FIELDS, FIELDS_OF_COLUMN, KIND_OF_FILE, MODELS, WRITE_ORDER
from .plan import CREATE, UNCHANGED, UPDATE, Counts, Link, Op, Plan, chunks
from .record import note_changes, record_import
from .scope import Rules, ScopeCheck, check_exchange_words
from .writer import CREATE_BATCH, Writer

__all__ = ["CREATE_BATCH", "Plan", "import_community", "plan_import"]

logger = logging.getLogger(__name__)


def _is_person_link(link: Link) -> bool:
    return link.kind == "person"


MAX_PROBLEMS = 5000


class _TooManyProblems(Exception):
    pass


INVALID = object()


class _Row:
    def __init__(self, planner: "_Planner", table: Table, number: int, cells: dict[str, str]):
        self.planner, self.table, self.number, self.cells = planner, table, number, cells
        self.ok = True
        # One search per row; the per-cell search runs only on the rare row that has one.
        self.clean = not parsing.has_control_characters("".join(cells.values()))

    def has(self, column: str) -> bool:
        return column in self.cells

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.planner.problem(self.table.name, self.number, column, message)

    def get(self, column: str, parser=None, *args, required: bool = False, **kwargs):
        """The parsed cell; None when absent or blank; INVALID after recording a problem."""
        text = self.cells.get(column, "")
        try:
            if not self.clean:
                parsing.check_characters(text)
            if not text:
                if required:
                    self.error(column, _("This field is required."))
                    return INVALID
                if isinstance(parser, parsing.Codes):
                    return parser("", *args, **kwargs)  # the default code
                return "" if parser in (parsing.text, parsing.phone) else None
            return parser(text, *args, **kwargs)
        except parsing.Invalid as problem:
            self.error(column, problem.message)
            return INVALID


class _Planner:
    def __init__(self, source: Source, user, plan: Plan):
        self.source, self.user, self.plan = source, user, plan
        self.tables = source.tables
        self.db: dict[str, dict[str, dict]] = {kind: {} for kind in MODELS}
        self.defined: dict[str, dict[str, int]] = {kind: {} for kind in MODELS}  # ref -> first row
        self.exchange_party_pks: set[int] = set()
        self.codes = {
            "level": parsing.Codes(AreaLevel),
            "group_kind": parsing.Codes(GroupKind),
            "how_formed": parsing.Codes(HowFormed),
            "frequency": parsing.Codes(MeetingFrequency),
            "gender": parsing.Codes(Gender),
            "actor_kind": parsing.Codes(ActorKind),
            "role": parsing.Codes(Role),
            "category": parsing.Codes(NormCategory),
            "how_agreed": parsing.Codes(HowAgreed),
            "rated_by": parsing.Codes(RatedBy),
            "activity_kind": parsing.Codes(ActivityKind),
            "resource": parsing.Codes(Resource),
            "status": parsing.Codes(ExchangeStatus),
        }
        self.today = timezone.localdate()

    # --- bookkeeping ------------------------------------------------------------------------

    def problem(self, file: str, row: int | None, column: str, message: str) -> None:
        self.plan.problems.append(Problem(file_label(file), row, column, message))
        if len(self.plan.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems

    def rows(self, name: str):
        table = self.tables.get(name)
        if table is None:
            return
        for number, cells in table.rows:
            yield _Row(self, table, number, cells)

    def add(self, name: str, op: Op) -> None:
        self.plan.ops.setdefault(name, []).append(op)

    # --- loading ----------------------------------------------------------------------------

    def _cells(self, name: str, column: str):
        table = self.tables.get(name)
        if table is None or column not in table.columns:
            return
        for _number, cells in table.rows:
            value = cells.get(column, "")
            if parsing.is_ref(value):  # only valid codes are looked up (PostgreSQL refuses NUL bytes)
                yield value

    def load(self) -> None:
        refs = defaultdict(set)
        for name, kind in KIND_OF_FILE.items():
            refs[kind].update(self._cells(name, "ref"))
        for name in ("memberships", "norms", "activities", "exchanges"):
            refs["group"].update(self._cells(name, "group_ref"))
        parties = set(self._cells("memberships", "person_ref")) | set(self._cells("attendance", "person_ref"))
        parties |= set(self._cells("exchanges", "giver_ref")) | set(self._cells("exchanges", "receiver_ref"))
        parties |= set(self._cells("activities", "actor_ref")) | refs["person"] | refs["actor"]
        refs["person"] = refs["actor"] = parties  # one namespace: a party ref may be either
        refs["norm"].update(self._cells("norm_reviews", "norm_ref"))
        refs["activity"].update(self._cells("attendance", "activity_ref"))
        # Areas are few (every village of a country fits): all of them, for the tree checks.
        for record in Area.objects.values("pk", "ref", *DB_FIELDS["area"]):
            self.db["area"][record["ref"]] = record
        for kind in ("group", "person", "actor", "norm", "activity", "exchange"):
            for part in chunks(sorted(refs[kind])):
                for record in MODELS[kind].objects.filter(ref__in=part).values("pk", "ref", *DB_FIELDS[kind]):
                    self.db[kind][record["ref"]] = record
        for record in self.db["exchange"].values():
            self.exchange_party_pks.update(
                pk for pk in (record["giver_person_id"], record["receiver_person_id"]) if pk
            )
        self.pks = {kind: {ref: r["pk"] for ref, r in records.items()} for kind, records in self.db.items()}
        self.area_ref_of = {r["pk"]: ref for ref, r in self.db["area"].items()}
        self.memberships: dict[tuple[int, int], list[dict]] = defaultdict(list)
        group_pks = {
            self.db["group"][r]["pk"]
            for r in self._cells("memberships", "group_ref")
            if r in self.db["group"]
        }
        for part in chunks(sorted(group_pks)):
            for record in (
                Membership.objects.filter(group_id__in=part)
                .order_by("pk")
                .values("pk", "person_id", "group_id", "role", "joined_on", "left_on")
            ):
                self.memberships[(record["person_id"], record["group_id"])].append(record)
        self.reviews: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
        norm_pks = {
            self.db["norm"][r]["pk"] for r in self._cells("norm_reviews", "norm_ref") if r in self.db["norm"]
        }
        for part in chunks(sorted(norm_pks)):
            for record in (
                NormReview.objects.filter(norm_id__in=part)
                .order_by("pk")
                .values("pk", "norm_id", "reviewed_on", "rating", "note", "rated_by", "raters")
            ):
                self.reviews[(record["norm_id"], record["reviewed_on"])].append(record)
        self.attendance: set[tuple[int, int]] = set()
        activity_pks = {
            self.db["activity"][r]["pk"]
            for r in self._cells("attendance", "activity_ref")
            if r in self.db["activity"]
        }
        through = Activity.attendees.through
        for part in chunks(sorted(activity_pks)):
            self.attendance.update(
                through.objects.filter(activity_id__in=part).values_list("activity_id", "person_id")
            )

    # --- refs and links ---------------------------------------------------------------------

    def db_pk(self, link: "Link | None") -> int | None:
        return None if link is None else self.pks[link.kind].get(link.ref)

    def is_new(self, link: Link) -> bool:
        return link.ref not in self.db[link.kind]

    def _known(self, kind: str, ref: str) -> bool:
        if ref in self.defined[kind]:
            return True
        record = self.db[kind].get(ref)
        return record is not None and self.rules.readable(kind, record)

    def link(self, row: _Row, column: str, kind: str, *, required: bool = False):
        ref = row.get(column, parsing.ref, required=required)
        if ref is INVALID or not ref:
            return ref or None
        if self._known(kind, ref):
            return Link(kind, ref)
        messages = {
            "area": _("There is no area with the code “%(ref)s” in the files or in your areas."),
            "group": _("There is no group with the code “%(ref)s” in the files or in your groups."),
            "person": _("There is no person with the code “%(ref)s” in the files or among your people."),
            "actor": _("There is no external actor with the code “%(ref)s” in the files or in your areas."),
            "norm": _("There is no norm with the code “%(ref)s” in the files or in your groups."),
            "activity": _("There is no activity with the code “%(ref)s” in the files or in your groups."),
        }
        row.error(column, messages[kind] % {"ref": ref})
        return INVALID

    def party(self, row: _Row, column: str):
        """A giver or receiver: people and external actors share one namespace of refs."""
        ref = row.get(column, parsing.ref, required=True)
        if ref is INVALID:
            return INVALID
        person, actor = self._known("person", ref), self._known("actor", ref)
        if person and actor:
            row.error(column, _("“%(ref)s” names both a person and an external actor.") % {"ref": ref})
            return INVALID
        if person or actor:
            return Link("person" if person else "actor", ref)
        row.error(
            column,
            _("There is no person or external actor with the code “%(ref)s” in the files or in your scope.")
            % {"ref": ref},
        )
        return INVALID

    def own_ref(self, row: _Row, name: str, kind: str):
        """The row's own ref: valid, not twice in the file, not someone else's record."""
        ref = row.get("ref", parsing.ref, required=True)
        if ref is INVALID:
            return INVALID
        first = self.defined[kind].get(ref)
        if first is not None and first != row.number:
            row.error(
                "ref", _("The code “%(ref)s” is already used on row %(row)s.") % {"ref": ref, "row": first}
            )
            return INVALID
        other = {"person": "actor", "actor": "person"}.get(kind)
        if other and (ref in self.defined[other] or ref in self.db[other]):
            message = (
                _("The code “%(ref)s” is already used by an external actor.")
                if other == "actor"
                else _("The code “%(ref)s” is already used by a person.")
            )
            row.error("ref", message % {"ref": ref})
            return INVALID
        record = self.db[kind].get(ref)
        if record is not None and not self.rules.readable(kind, record):
            row.error(
                "ref", _("The code “%(ref)s” is already used by a record outside your scope.") % {"ref": ref}
            )
            return INVALID
        return ref

    def collect_defined(self) -> None:
        for name, kind in KIND_OF_FILE.items():
            table = self.tables.get(name)
            if table is None:
                continue
            for number, cells in table.rows:
                ref = cells.get("ref", "")
                if ref and ref not in self.defined[kind]:
                    self.defined[kind][ref] = number

    # --- comparing --------------------------------------------------------------------------

    def same(self, value, existing) -> bool:
        if isinstance(value, Link):
            return self.db_pk(value) == existing and existing is not None
        if isinstance(value, Decimal) and existing is not None:
            return Decimal(existing) == value
        return value == existing

    def classify(self, name: str, key, values: dict, existing: dict | None, row: int) -> Op:
        counts = self.plan.counts[name]
        if existing is None:
            counts.created += 1
            return Op(row, CREATE, key, values)
        changed = any(
            not self.same(value, existing[field_name])
            for field_name, value in values.items()
            if field_name not in COMPARED_ONLY_WHEN_SET
        )
        if changed:
            counts.updated += 1
            return Op(row, UPDATE, key, values, existing["pk"])
        counts.unchanged += 1
        return Op(row, UNCHANGED, key, values, existing["pk"])

    def present(self, row: _Row, values: dict) -> dict:
        """Only the fields whose columns the file has (an absent column leaves a field alone)."""
        fields = self.plan.fields[row.table.name]
        return {name: value for name, value in values.items() if name in fields}

    # --- the files --------------------------------------------------------------------------

    def run(self) -> None:
        self.load()
        self.money = funds.MoneyFiles(self)  # funds.csv and ledger.csv (funds.py)
        self.rules = Rules(self.user, self)
        self.collect_defined()
        for name in WRITE_ORDER:
            if name in self.tables:
                self.plan.counts[name] = Counts()
                self.plan.fields[name] = [  # model fields of the columns present, in a fixed order
                    f
                    for c in COLUMNS[name]
                    if c in self.tables[name].columns
                    for f in FIELDS_OF_COLUMN[name].get(c, [])
                ]
                getattr(self, f"read_{name}")()
        self.money.read()
        self.check_area_tree()
        self.check_open_memberships()
        if not self.rules.unrestricted:
            ScopeCheck(self).run()
        check_exchange_words(self, self.user)
        # Report in a stable order: by file as listed in the format, then row.
        order = {file_label(n): i for i, n in enumerate(FILE_NAMES)}
        self.plan.problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))

    def read_areas(self) -> None:
        for row in self.rows("areas"):
            ref = self.own_ref(row, "areas", "area")
            name = row.get("name", parsing.text, 200, required=True)
            level = row.get("level", self.codes["level"], required=True)
            parent = self.link(row, "parent_ref", "area")
            if not row.ok:
                continue
            values = self.present(row, {"name": name, "level": level, "parent_id": parent})
            self.add("areas", self.classify("areas", ref, values, self.db["area"].get(ref), row.number))

    def read_actors(self) -> None:
        for row in self.rows("actors"):
            ref = self.own_ref(row, "actors", "actor")
            name = row.get("name", parsing.text, 200, required=True)
            kind = row.get("kind", self.codes["actor_kind"], required=True)
            area = self.link(row, "area_ref", "area", required=True)
            authority = row.get("authority", parsing.yes_no)  # blank: the kind's default
            if not row.ok:
                continue
            values = {"name": name, "kind": kind, "area_id": area, "has_authority": authority}
            values = self.present(row, values)
            self.add("actors", self.classify("actors", ref, values, self.db["actor"].get(ref), row.number))

    def read_groups(self) -> None:
        for row in self.rows("groups"):
            ref = self.own_ref(row, "groups", "group")
            values = {
                "name": row.get("name", parsing.text, 200, required=True),
                "kind": row.get("kind", self.codes["group_kind"], required=True),
                "area_id": self.link(row, "area_ref", "area", required=True),
                "formed_on": row.get("formed_on", parsing.date),
                "how_formed": row.get("how_formed", self.codes["how_formed"], HowFormed.SPONTANEOUS.value),
                "meeting_frequency": row.get("meeting_frequency", self.codes["frequency"], ""),
                "description": row.get("description", parsing.text),
                "latitude": row.get(
                    "latitude", parsing.decimal, places=6, low=Decimal(-90), high=Decimal(90)
                ),
                "longitude": row.get(
                    "longitude", parsing.decimal, places=6, low=Decimal(-180), high=Decimal(180)
                ),
            }
            if not row.ok:
                continue
            existing = self.db["group"].get(ref)
            values = self.present(row, values)
            position = [
                values.get(f) if f in values else (existing or {}).get(f) for f in ("latitude", "longitude")
            ]
            if (position[0] is None) != (position[1] is None):
                row.error("latitude", _("Give both latitude and longitude for a map position, or neither."))
                continue
            self.add("groups", self.classify("groups", ref, values, existing, row.number))

    def read_people(self) -> None:
        this_year = self.today.year
        for row in self.rows("people"):
            ref = self.own_ref(row, "people", "person")
            values = {
                "full_name": row.get("name", parsing.text, 200, required=True),
                "nickname": row.get("nickname", parsing.text, 100),
                "gender": row.get("gender", self.codes["gender"], ""),
                "birth_year": row.get("birth_year", parsing.integer, 1900, 2100),
                "area_id": self.link(row, "area_ref", "area", required=True),
                "phone": row.get("phone", parsing.phone),
                "consent_on": row.get("consent_on", parsing.date),
            }
            if isinstance(values["birth_year"], int) and values["birth_year"] > this_year:
                row.error("birth_year", _("The birth year cannot be in the future."))
            if not row.ok:
                continue
            existing = self.db["person"].get(ref)
            values = self.present(row, values)
            if existing is not None:
                if existing["erased_at"] is not None:
                    changed = any(not self.same(v, existing[f]) for f, v in values.items())
                    if changed:
                        row.error(
                            "ref",
                            _("This person asked to be erased; their record cannot be filled in again."),
                        )
                        continue
                name = values.get("full_name")
                if name and name != existing["full_name"] and is_pseudonym(name, ref):
                    row.error(
                        "name",
                        _(
                            "This is a pseudonym from a pseudonymised export; importing it would replace "
                            "the real name."
                        ),
                    )
                    continue
            if "consent_on" in values:
                values["consent_recorded_by_id"] = self._consent_recorder(values["consent_on"], existing)
            self.add("people", self.classify("people", ref, values, existing, row.number))

    def _consent_recorder(self, consent_on, existing):
        if consent_on is None:
            return None  # the database allows no recorder without a date
        if existing is not None and existing["consent_on"] == consent_on:
            return existing["consent_recorded_by_id"]
        return getattr(self.user, "pk", None)

    def read_memberships(self) -> None:
        seen: dict[tuple, int] = defaultdict(int)
        self.membership_rows: dict[tuple[str, str], list[tuple[Op, dt.date | None]]] = defaultdict(list)
        self.matched_memberships: set[int] = set()
        for row in self.rows("memberships"):
            person = self.link(row, "person_ref", "person", required=True)
            group = self.link(row, "group_ref", "group", required=True)
            role = row.get("role", self.codes["role"], Role.MEMBER.value)
            joined_on = row.get("joined_on", parsing.date)
            left_on = row.get("left_on", parsing.date)
            if not row.ok:
                continue
            key = (person.ref, group.ref, joined_on)
            occurrence = seen[key]
            seen[key] += 1
            existing = None
            if not self.is_new(person) and not self.is_new(group):
                same_day = [
                    m
                    for m in self.memberships[(self.db_pk(person), self.db_pk(group))]
                    if m["joined_on"] == joined_on
                ]
                if occurrence < len(same_day):
                    existing = same_day[occurrence]
                    self.matched_memberships.add(existing["pk"])
            final_left = left_on if row.has("left_on") else (existing or {}).get("left_on")
            if final_left is not None and joined_on is not None and final_left < joined_on:
                row.error("left_on", _("A member cannot leave before joining."))
                continue
            values = self.present(row, {"role": role, "left_on": left_on})
            op = self.classify("memberships", key, values, existing, row.number)
            op.values.update(person_id=person, group_id=group, joined_on=joined_on)
            self.add("memberships", op)
            self.membership_rows[(person.ref, group.ref)].append((op, final_left))

    def read_norms(self) -> None:
        for row in self.rows("norms"):
            ref = self.own_ref(row, "norms", "norm")
            values = {
                "group_id": self.link(row, "group_ref", "group", required=True),
                "statement": row.get("statement", parsing.text, required=True),
                "category": row.get("category", self.codes["category"], required=True),
                "how_agreed": row.get("how_agreed", self.codes["how_agreed"], HowAgreed.CONSENSUS.value),
                "agreed_on": row.get("agreed_on", parsing.date),
            }
            if not row.ok:
                continue
            values = self.present(row, values)
            self.add("norms", self.classify("norms", ref, values, self.db["norm"].get(ref), row.number))

    def read_norm_reviews(self) -> None:
        seen: dict[tuple, int] = defaultdict(int)
        for row in self.rows("norm_reviews"):
            norm = self.link(row, "norm_ref", "norm", required=True)
            reviewed_on = row.get("reviewed_on", parsing.date, required=True)
            rating = row.get("rating", parsing.integer, 1, 5, required=True)
            note = row.get("note", parsing.text)
            rated_by = row.get("rated_by", self.codes["rated_by"], "")
            raters = row.get("raters", parsing.raters, rated_by)
            if not row.ok:
                continue
            key = (norm.ref, reviewed_on)
            occurrence = seen[key]
            seen[key] += 1
            existing = None
            if not self.is_new(norm):
                same_day = self.reviews[(self.db_pk(norm), reviewed_on)]
                existing = same_day[occurrence] if occurrence < len(same_day) else None
            raters = raters_of(rated_by, raters)  # blank: 1 for the leader or the facilitator alone
            values = {"rating": rating, "note": note, "rated_by": rated_by, "raters": raters}
            values = self.present(row, values)
            op = self.classify("norm_reviews", key, values, existing, row.number)
            op.values.update(norm_id=norm, reviewed_on=reviewed_on)
            self.add("norm_reviews", op)

    def read_activities(self) -> None:
        for row in self.rows("activities"):
            ref = self.own_ref(row, "activities", "activity")
            values = {
                "group_id": self.link(row, "group_ref", "group", required=True),
                "kind": row.get("kind", self.codes["activity_kind"], required=True),
                "date": row.get("date", parsing.date, required=True),
                "actor_id": self.link(row, "actor_ref", "actor"),
                "title": row.get("title", parsing.text, 200),
            }
            if not row.ok:
                continue
            values = self.present(row, values)
            self.add(
                "activities",
                self.classify("activities", ref, values, self.db["activity"].get(ref), row.number),
            )

    def read_attendance(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for row in self.rows("attendance"):
            activity = self.link(row, "activity_ref", "activity", required=True)
            person = self.link(row, "person_ref", "person", required=True)
            if not row.ok:
                continue
            key = (activity.ref, person.ref)
            if key in seen:
                row.error(
                    "person_ref",
                    _("This person is already listed for this activity on row %(row)s.") % {"row": seen[key]},
                )
                continue
            seen[key] = row.number
            exists = (self.db_pk(activity), self.db_pk(person)) in self.attendance
            existing = {"pk": None} if exists else None
            op = self.classify("attendance", key, {}, existing, row.number)
            op.values.update(activity_id=activity, person_id=person)
            self.add("attendance", op)

    def read_exchanges(self) -> None:
        for row in self.rows("exchanges"):
            ref = self.own_ref(row, "exchanges", "exchange")
            date = row.get("date", parsing.date, required=True)
            giver = self.party(row, "giver_ref")
            receiver = self.party(row, "receiver_ref")
            resource = row.get("resource", self.codes["resource"], required=True)
            amount = row.get("amount", parsing.amount)
            unit = row.get("unit", parsing.text, 16)
            group = self.link(row, "group_ref", "group")
            note = row.get("note", parsing.text)
            # The operator's paper records were witnessed; a user's import waits for the other party.
            default_status = ExchangeStatus.CONFIRMED if self.user is None else ExchangeStatus.PENDING
            status = row.get("status", self.codes["status"], default_status.value)
            if isinstance(giver, Link) and giver == receiver:
                row.error("receiver_ref", _("Giver and receiver must be different."))
            if not row.ok:
                continue
            values = self.present(
                row,
                {
                    "date": date,
                    **exchange_ends(giver, receiver, is_person=_is_person_link, suffix="_id"),
                    "resource": resource,
                    "amount": amount,
                    "unit": unit,
                    "group_id": group,
                    "note": note,
                    "status": status,
                },
            )
            self.add(
                "exchanges", self.classify("exchanges", ref, values, self.db["exchange"].get(ref), row.number)
            )

    # --- checks across rows -----------------------------------------------------------------

    def check_area_tree(self) -> None:
        """Each area is a smaller level than its parent, after the import (so no cycles)."""
        level = {ref: r["level"] for ref, r in self.db["area"].items()}
        parent = {ref: self.area_ref_of.get(r["parent_id"]) for ref, r in self.db["area"].items()}
        ops = self.plan.ops.get("areas", [])
        for op in ops:
            level[op.key] = op.values.get("level", level.get(op.key))
            if "parent_id" in op.values:
                parent[op.key] = op.values["parent_id"].ref if op.values["parent_id"] else None
        children = defaultdict(list)
        for ref, parent_ref in parent.items():
            children[parent_ref].append(ref)
        for op in ops:
            parent_ref = parent.get(op.key)
            own = LEVEL_DEPTH[AreaLevel(level[op.key])]
            if parent_ref is None:
                if level[op.key] == AreaLevel.VILLAGE:
                    self.problem(
                        "areas",
                        op.row,
                        "parent_ref",
                        _("A village must be part of a larger area (parent_ref)."),
                    )
            elif parent_ref == op.key:
                self.problem("areas", op.row, "parent_ref", _("An area cannot be part of itself."))
            elif level.get(parent_ref) and own <= LEVEL_DEPTH[AreaLevel(level[parent_ref])]:
                self.problem(
                    "areas",
                    op.row,
                    "parent_ref",
                    _("An area must be a smaller level than the area it is part of."),
                )
            if op.action == UPDATE and "level" in op.values:
                for child in children[op.key]:
                    if LEVEL_DEPTH[AreaLevel(level[child])] <= own:
                        self.problem(
                            "areas",
                            op.row,
                            "level",
                            _("The area “%(child)s” is part of this one, so this one must be a larger level.")
                            % {"child": child},
                        )
                        break

    def check_open_memberships(self) -> None:
        """At most one open membership per person and group, counting the records not in the file."""
        for (person_ref, group_ref), rows in getattr(self, "membership_rows", {}).items():
            open_rows = [op for op, left_on in rows if left_on is None]
            person_pk = self.db_pk(Link("person", person_ref))
            group_pk = self.db_pk(Link("group", group_ref))
            untouched_open = [
                m
                for m in self.memberships.get((person_pk, group_pk), [])
                if m["left_on"] is None and m["pk"] not in self.matched_memberships
            ]
            if len(open_rows) + len(untouched_open) > 1:
                for op in open_rows:
                    self.problem(
                        "memberships",
                        op.row,
                        "left_on",
                        _(
                            "This person would have two open memberships of this group: give the earlier "
                            "one a left_on date."
                        ),
                    )


def _run_planner(source: Source, user) -> tuple[Plan, "_Planner | None"]:
    plan = Plan()
    plan.warnings = list(source.warnings)
    plan.problems = list(source.problems)
    if plan.problems:
        return plan, None
    planner = _Planner(source, user, plan)
    try:
        planner.run()
    except _TooManyProblems:
        plan.problems.append(
            Problem(
                "",
                None,
                "",
                _("There are too many problems; only the first %(count)s are listed.")
                % {"count": MAX_PROBLEMS},
            )
        )
    return plan, planner


def plan_import(source: Source, *, user=None) -> Plan:
    """Validate the files for `user` (None: the operator, with every right); write nothing.
    New money is tried through the ledger's checks and undone (funds.py)."""
    plan, planner = _run_planner(source, user)
    if plan.ok and planner.money.has_new():
        try:
            with transaction.atomic():
                writer = Writer(plan, planner.pks, getattr(user, "pk", None), None)
                writer.run()
                planner.money.write(writer.pks, user)
                transaction.set_rollback(True)
        except DatabaseError:  # a race the real import reports; the preview stays a preview
            logger.exception("CSV import preview of money rolled back")
    return plan


def import_community(source: Source, *, user=None, progress=None, origin: str = "") -> Plan:
    """Validate and write in one transaction: all of it, or nothing and the problems.

    Validating inside the transaction means the checks see the data the writes change; a
    constraint that still fails (two imports racing) rolls everything back and becomes a
    problem, never an error page. `progress(file, done, total)` is called after each batch.
    """
    plan = Plan()
    try:
        with transaction.atomic():
            plan, planner = _run_planner(source, user)
            if plan.problems:
                return plan
            writer = Writer(plan, planner.pks, getattr(user, "pk", None), progress)
            writer.run()
            if not planner.money.write(writer.pks, user):  # the ledger's own checks refused a row
                raise funds.Refused
            note_changes(plan, writer.pks)
            record_import(plan, planner, writer.pks, user, origin)
    except funds.Refused:
        pass
    except DatabaseError:
        logger.exception("CSV import rolled back")
        plan.problems.append(
            Problem(
                "",
                None,
                "",
                _(
                    "The database refused a record, so nothing was written. Someone may have changed the "
                    "same records at the same time: please try again."
                ),
            )
        )
    return plan
