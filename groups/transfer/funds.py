"""funds.csv and ledger.csv: a group's own money in the import and the export.

Rows are read and checked one by one like every other file (codes, dates, amounts, refs, scope),
then written through the ledger's one door (groups/services/ledger.py) after the other files:
its checks across rows (an entry names a member of the fund's group and falls in the fund's open
time, a fund never pays out more than it holds, a loan is never over-repaid) refuse a row with its
number, and the whole import is rolled back. The preview tries the same writes and undoes them,
so it reports those rows too. Money already recorded is never changed by an import: a row that
matches a recorded fund or entry by its ref with the same values is unchanged, with other
values it is a problem (a wrong entry is corrected by another entry, as in the book). Not
carried by the format: cycles after the first (an imported fund opens one cycle on its opened_on,
holding its opening_balance: a column beyond the issue's list, so that a fund that started with
money carried over loads again).
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from groups import ledger_math
from groups.models import (
    Cycle,
    EntryKind,
    ExternalActor,
    Fund,
    FundKind,
    Group,
    InterestMethod,
    LedgerEntry,
    PayoutReason,
    Person,
)
from groups.services import ledger
from groups.services.ledger import EntryRejected, NewEntry

from . import parsing
from .csvfiles import Problem, file_label
from .fields import DB_FIELDS
from .plan import Counts, Link, chunks

FUND_FIELDS = ["group_id", "kind", "name", "currency", "opened_on", "closed_on"]
ENTRY_FIELDS = [
    "fund_id",
    "date",
    "kind",
    "person_id",
    "actor_id",
    "amount",
    "loan_id",
    "principal",
    "interest",
    "rate_percent_per_month",
    "method",
    "term_months",
    "reason",
    "note",
    "covered_for_id",
]
_CURRENCY = re.compile(r"[A-Z]{3}")


class Refused(Exception):
    """The ledger's checks refused a row: the import's transaction is rolled back."""


def _cells(planner, name: str, column: str) -> set[str]:
    return set(planner._cells(name, column))


class MoneyFiles:
    """The money files of one import: loaded with the planner (before its scope rules are made,
    so the groups, people and actors they name are known to them), read after the other files,
    written after them."""

    def __init__(self, planner):
        self.p = planner
        self.new_funds: list[dict] = []
        self.new_entries: list[dict] = []
        self.file_funds: dict[str, dict] = {}  # ref -> the funds.csv row's values
        self.file_loans: set[str] = set()
        fund_refs = _cells(planner, "funds", "ref") | _cells(planner, "ledger", "fund_ref")
        self.db_funds = self._records(Fund, fund_refs, FUND_FIELDS)
        _add_openings(self.db_funds.values())
        entry_refs = _cells(planner, "ledger", "ref") | _cells(planner, "ledger", "loan_ref")
        self.db_entries = self._records(LedgerEntry, entry_refs, ENTRY_FIELDS)
        group_pks = {r["group_id"] for r in self.db_funds.values()}
        self._know("group", Group.objects.filter(pk__in=group_pks))
        self._know("group", self._by_ref(Group, _cells(planner, "funds", "group_ref")))
        people = _cells(planner, "ledger", "person_ref") | _cells(planner, "ledger", "covered_ref")
        self._know("person", self._by_ref(Person, people))
        self._know("actor", self._by_ref(ExternalActor, _cells(planner, "ledger", "actor_ref")))
        self.fund_ref_of = {r["pk"]: ref for ref, r in self.db_funds.items()}

    @staticmethod
    def _by_ref(model, refs):
        return model.objects.filter(ref__in=sorted(refs))

    @staticmethod
    def _records(model, refs, fields) -> dict[str, dict]:
        found = {}
        for part in chunks(sorted(refs)):
            for record in model.objects.filter(ref__in=part).values("pk", "ref", *fields):
                found[record["ref"]] = record
        return found

    def _know(self, kind: str, queryset) -> None:
        """Records the money files name join the planner's (refs, scope rules)."""
        for record in queryset.values("pk", "ref", *DB_FIELDS[kind]):
            if record["ref"] not in self.p.db[kind]:
                self.p.db[kind][record["ref"]] = record
                self.p.pks[kind][record["ref"]] = record["pk"]

    # --- reading ------------------------------------------------------------------------------

    def read(self) -> None:
        for name in ("funds", "ledger"):
            if name in self.p.tables:
                self.p.plan.counts[name] = Counts()
        self.codes = {
            "fund_kind": parsing.Codes(FundKind),
            "entry": parsing.Codes(EntryKind),
            "method": parsing.Codes(InterestMethod),
            "reason": parsing.Codes(PayoutReason),
        }
        self.read_funds()
        self.read_ledger()

    def _own_ref(self, row, seen: dict[str, int]):
        ref = row.get("ref", parsing.ref, required=True)
        if isinstance(ref, str) and ref in seen:
            row.error(
                "ref",
                _("The code “%(ref)s” is already used on row %(row)s.") % {"ref": ref, "row": seen[ref]},
            )
            return None
        if isinstance(ref, str):
            seen[ref] = row.number
            return ref
        return None

    def _group_writable(self, row, column: str, group: Link) -> bool:
        rules = self.p.rules
        if rules.unrestricted or self.p.is_new(group) or self.p.db_pk(group) in rules.write_groups:
            return True
        row.error(
            column,
            _("“%(ref)s” is outside the areas and groups you work in, so you may not change it.")
            % {"ref": group.ref},
        )
        return False

    def _match(self, row, name: str, existing: dict | None, values: dict) -> bool:
        """Count the row; True when it is new (to write)."""
        counts = self.p.plan.counts[name]
        if existing is None:
            counts.created += 1
            return True
        if all(self._same(v, existing[k]) for k, v in values.items()):
            counts.unchanged += 1
            return False
        row.error(
            "ref",
            _(
                "“%(ref)s” is already recorded with other values. Money already recorded is not "
                "changed by an import: record a correcting entry instead."
            )
            % {"ref": existing["ref"]},
        )
        return False

    def _same(self, value, stored) -> bool:
        if isinstance(value, Link) and value.kind == "fund":
            return self.fund_ref_of.get(stored) == value.ref
        if isinstance(value, Link):
            return self.p.db_pk(value) == stored
        return value == stored

    def read_funds(self) -> None:
        seen: dict[str, int] = {}
        for row in self.p.rows("funds"):
            ref = self._own_ref(row, seen)
            group = self.p.link(row, "group_ref", "group", required=True)
            values = {
                "group_id": group,
                "kind": row.get("kind", self.codes["fund_kind"], required=True),
                "name": row.get("name", parsing.text, 200, required=True),
                "currency": row.get("currency", _currency) or "IDR",
                "opened_on": row.get("opened_on", parsing.date, required=True),
                "closed_on": row.get("closed_on", parsing.date),
                "opening_balance": row.get("opening_balance", parsing.amount) or Decimal(0),
            }
            opened, closed = values["opened_on"], values["closed_on"]
            if row.ok and closed is not None and closed < opened:
                row.error("closed_on", _("A fund cannot close before it opened."))
            if not row.ok or ref is None or not self._group_writable(row, "group_ref", group):
                continue
            self.file_funds[ref] = values
            if self._match(row, "funds", self.db_funds.get(ref), values):
                self.new_funds.append({"row": row.number, "ref": ref, **values})

    def _fund(self, row):
        ref = row.get("fund_ref", parsing.ref, required=True)
        if not isinstance(ref, str) or not ref:
            return None
        if ref in self.file_funds:
            return Link("fund", ref)
        record = self.db_funds.get(ref)
        if record is not None and self.p.rules.readable("group", {"pk": record["group_id"]}):
            return Link("fund", ref)
        row.error(
            "fund_ref",
            _("There is no fund with the code “%(ref)s” in the files or in your groups.") % {"ref": ref},
        )
        return None

    def _fund_group(self, fund: Link) -> Link:
        if fund.ref in self.file_funds:
            return self.file_funds[fund.ref]["group_id"]
        group_pk = self.db_funds[fund.ref]["group_id"]
        return Link("group", next(ref for ref, pk in self.p.pks["group"].items() if pk == group_pk))

    def _loan(self, row):
        ref = row.get("loan_ref", parsing.ref)
        if not isinstance(ref, str) or not ref:
            return None
        if ref in self.file_loans or ref in self.db_entries:
            return Link("loan", ref)
        row.error(
            "loan_ref",
            _("There is no loan with the code “%(ref)s” in the files or in your groups.") % {"ref": ref},
        )
        return None

    def read_ledger(self) -> None:
        seen: dict[str, int] = {}
        table = self.p.tables.get("ledger")
        if table is not None:  # a repayment may come before its loan in the file
            self.file_loans = {cells.get("ref", "") for _n, cells in table.rows if self._is_loan(cells)}
        for row in self.p.rows("ledger"):
            ref = self._own_ref(row, seen)
            fund = self._fund(row)
            values = self._entry_values(row, fund)
            if not row.ok or ref is None or fund is None:
                continue
            if not self._group_writable(row, "fund_ref", self._fund_group(fund)):
                continue
            existing = self.db_entries.get(ref)
            compared = dict(values, loan_id=self._loan_pk(values["loan_id"]))
            if not row.has("covered_ref"):  # a file from before the column: not compared
                del compared["covered_for_id"]
            if self._match(row, "ledger", existing, compared):
                self.new_entries.append({"row": row.number, "ref": ref, **values})

    def _is_loan(self, cells: dict) -> bool:
        try:
            return self.codes["entry"](cells.get("entry", "")) == EntryKind.LOAN
        except parsing.Invalid:
            return False

    def _loan_pk(self, loan: Link | None):
        record = self.db_entries.get(loan.ref) if loan else None
        return record["pk"] if record else None

    def _entry_values(self, row, fund) -> dict:
        amount = lambda column, **kw: row.get(column, parsing.amount, **kw)  # noqa: E731
        return {
            "fund_id": fund,
            "date": row.get("date", parsing.date, required=True),
            "kind": row.get("entry", self.codes["entry"], required=True),
            "person_id": self.p.link(row, "person_ref", "person"),
            "actor_id": self.p.link(row, "actor_ref", "actor"),
            "amount": amount("amount", required=True),
            "loan_id": self._loan(row),
            "principal": amount("principal"),
            "interest": amount("interest"),
            "rate_percent_per_month": row.get(
                "rate_percent_per_month", parsing.decimal, places=2, low=ledger_math.ZERO, high=100
            ),
            "method": row.get("method", self.codes["method"], ""),
            "term_months": row.get("term_months", parsing.integer, 1, 120),
            "reason": row.get("reason", self.codes["reason"], ""),
            "note": row.get("note", parsing.text),
            "covered_for_id": self.p.link(row, "covered_ref", "person"),
        }

    # --- writing ------------------------------------------------------------------------------

    def has_new(self) -> bool:
        return bool(self.new_funds or self.new_entries)

    def write(self, pks: dict, user) -> bool:
        """Create the new funds and record the new entries through the ledger's door; False
        (and the problem recorded) when it refuses one."""
        user = user if getattr(user, "pk", None) else None
        funds = {ref: Fund.objects.get(pk=record["pk"]) for ref, record in self.db_funds.items()}
        for values in self.new_funds:
            try:
                funds[values["ref"]] = ledger.create_fund(
                    group=Group.objects.get(pk=pks["group"][values["group_id"].ref]),
                    kind=values["kind"],
                    name=values["name"],
                    opened_on=values["opened_on"],
                    currency=values["currency"],
                    closed_on=values["closed_on"],
                    opening_balance=values["opening_balance"],
                    ref=values["ref"],
                )
            except ValidationError as error:
                return self._refused("funds", values["row"], "", error)
        return self._record(funds, pks, user)

    def _record(self, funds: dict, pks: dict, user) -> bool:
        named = [v[k] for v in self.new_entries for k in ("person_id", "covered_for_id") if v[k]]
        people = Person.objects.in_bulk({pks["person"][link.ref] for link in named})
        actors = ExternalActor.objects.in_bulk(
            {pks["actor"][v["actor_id"].ref] for v in self.new_entries if v["actor_id"]}
        )
        loans = {e.ref: e for e in LedgerEntry.objects.filter(ref__in=[r for r in self.db_entries])}
        by_fund: dict[str, list[dict]] = defaultdict(list)
        for values in sorted(self.new_entries, key=lambda v: (v["date"], v["row"])):
            by_fund[values["fund_id"].ref].append(values)
        for fund_ref, rows in sorted(by_fund.items()):
            batch: list[dict] = []
            for values in rows + [None]:  # None: the end, flush what is left
                loan = values and values["loan_id"]
                if batch and (values is None or (loan and loan.ref not in loans)):
                    if not self._flush(funds[fund_ref], batch, loans, user):
                        return False
                    batch = []
                if values is not None:
                    values["entry"] = self._new_entry(values, people, actors, loans, pks)
                    batch.append(values)
        return True

    def _new_entry(self, values: dict, people, actors, loans, pks) -> NewEntry:
        person, actor, loan = values["person_id"], values["actor_id"], values["loan_id"]
        covered = values["covered_for_id"]
        return NewEntry(
            kind=values["kind"],
            date=values["date"],
            amount=values["amount"],
            person=people.get(pks["person"][person.ref]) if person else None,
            actor=actors.get(pks["actor"][actor.ref]) if actor else None,
            loan=loans.get(loan.ref) if loan else None,
            principal=values["principal"],
            interest=values["interest"],
            rate_percent_per_month=values["rate_percent_per_month"],
            method=values["method"] or "",
            term_months=values["term_months"],
            reason=values["reason"] or "",
            note=values["note"] or "",
            covered_for=people.get(pks["person"][covered.ref]) if covered else None,
            ref=values["ref"],
        )

    def _flush(self, fund: Fund, batch: list[dict], loans: dict, user) -> bool:
        """Record one batch (no entry in it names a loan recorded in the same batch)."""
        try:
            with transaction.atomic():
                created = ledger.record_entries(
                    fund=fund, entries=[v["entry"] for v in batch], recorded_by=user
                )
        except EntryRejected as refusal:
            if refusal.index is not None:  # a loan part refused is too much; else the whole row
                at = batch[refusal.index]
                column = "amount" if at["kind"] in ledger_math.LOAN_PART_KINDS else ""
                return self._refused("ledger", at["row"], column, refusal)
            return self._locate(fund, batch, user, refusal)
        loans.update((e.ref, e) for e in created if e.kind == EntryKind.LOAN)
        return True

    def _locate(self, fund: Fund, batch: list[dict], user, refusal) -> bool:
        """The batch as a whole made the fund's cash go below zero: record it again one entry
        at a time (and undo) to name the first row that does."""
        culprit = batch[-1]
        with transaction.atomic():
            for values in batch:
                try:
                    with transaction.atomic():
                        ledger.record_entry(fund=fund, entry=values["entry"], recorded_by=user)
                except EntryRejected as one:
                    culprit, refusal = values, one
                    break
            transaction.set_rollback(True)
        return self._refused("ledger", culprit["row"], "amount", refusal)

    def _refused(self, name: str, row: int, column: str, error: ValidationError) -> bool:
        for message in error.messages:
            self.p.plan.problems.append(Problem(file_label(name), row, column, message))
        return False


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise parsing.Invalid(_("Write the currency as three capital letters, like IDR."))
    return code


# --- export -----------------------------------------------------------------------------------


def _add_openings(funds) -> None:
    """Each fund's opening balance: its first cycle's (one query)."""
    funds = list(funds)
    opening = {}
    for fund_id, amount in (
        Cycle.objects.filter(fund_id__in=[f["pk"] for f in funds])
        .order_by("-start")
        .values_list("fund_id", "opening_balance")
    ):
        opening[fund_id] = amount  # the earliest start comes last
    for f in funds:
        f["opening_balance"] = opening.get(f["pk"], Decimal(0))


def money_rows(groups) -> dict[str, list[dict]]:
    """The funds of the exported groups (with their opening balance) and their ledger entries."""
    funds = list(Fund.objects.filter(group__in=groups).values("pk", "ref", *FUND_FIELDS))
    _add_openings(funds)
    return {
        "funds": funds,
        "ledger": list(LedgerEntry.objects.filter(fund__group__in=groups).values("pk", "ref", *ENTRY_FIELDS)),
    }


def money_tables(tables: dict, rows: dict, ref: dict, hidden_people: set[int]) -> None:
    """funds.csv and ledger.csv, sorted by ref. Entries name people by ref, never by name, as
    exchanges do: those of people whose names the export hides (pseudonymised, or not the
    user's to name) are kept, so that the file loads whole, with their note left empty (free
    text may name them); entries of people not exported at all are left out."""
    fund_ref = {f["pk"]: f["ref"] for f in rows["funds"]}
    for f in sorted(rows["funds"], key=lambda f: f["ref"]):
        tables["funds"].append(
            [
                f["ref"],
                ref["group"][f["group_id"]],
                f["kind"],
                f["name"],
                f["currency"],
                f["opened_on"],
                f["closed_on"],
                f["opening_balance"],
            ]
        )
    entry_ref = {e["pk"]: e["ref"] for e in rows["ledger"]}
    for e in sorted(rows["ledger"], key=lambda e: e["ref"]):
        people = {e["person_id"], e["covered_for_id"]} - {None}
        if people - set(ref["person"]):
            continue
        tables["ledger"].append(
            [
                e["ref"],
                fund_ref[e["fund_id"]],
                e["date"],
                e["kind"],
                ref["person"].get(e["person_id"]),
                ref["actor"].get(e["actor_id"]),
                e["amount"],
                entry_ref.get(e["loan_id"]),
                e["principal"],
                e["interest"],
                e["rate_percent_per_month"],
                e["method"],
                e["term_months"],
                e["reason"],
                "" if people & hidden_people else e["note"],
                ref["person"].get(e["covered_for_id"]),
            ]
        )
