"""funds.csv and ledger.csv: the group's own money through the import and the export
(groups/transfer/funds.py), checked by the ledger's own door, all or nothing, idempotent."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import translation

from groups.models import Cycle, EntryKind, Fund, LedgerEntry
from groups.services import ledger
from groups.services.ledger import NewEntry
from groups.transfer import csvfiles, exporter, importer

from .test_transfer_import import source

FUND = "F1,G1,savings_loan,Simpan pinjam,,2025-01-06,"
# rows 2 and 3 of ledger.csv (the header is row 1): 100.000 saved, 80.000 lent at 2% over 2 months
SAVED_AND_LENT = (
    "L1,F1,2025-01-06,deposit,P-MEMBER,,100000\nL2,F1,2025-01-07,loan,P-MEMBER2,,80000,,,,2,flat,2\n"
)


def money_files(texts: dict[str, str]) -> csvfiles.Source:
    return csvfiles.read_files({f"{name}.csv": texts[name].encode() for name in ("funds", "ledger")})


def wipe_money():
    LedgerEntry.objects.exclude(kind=EntryKind.LOAN).delete()
    LedgerEntry.objects.all().delete()
    Cycle.objects.all().delete()
    Fund.objects.all().delete()


def test_export_then_import_gives_the_same_files(world, savings_group):
    exported = exporter.export_community()
    ledger_lines = exported["ledger"].strip().splitlines()
    assert len(ledger_lines) == 1 + 16 + 7  # header, the savings fund's 16 entries, the social fund's 7
    funds_lines = exported["funds"].splitlines()
    assert funds_lines[0] == "ref,group_ref,kind,name,currency,opened_on,closed_on,opening_balance"
    assert sorted(line.split(",")[-1] for line in funds_lines[1:]) == ["0", "100000"]  # carried over
    again = importer.import_community(money_files(exported))
    assert again.problems == [] and again.rows_to_write == 0  # idempotent: all unchanged
    assert (again.counts["funds"].unchanged, again.counts["ledger"].unchanged) == (2, 23)
    wipe_money()
    plan = importer.import_community(money_files(exported))
    assert plan.problems == [], plan.problems
    assert (plan.counts["funds"].created, plan.counts["ledger"].created) == (2, 23)
    assert exporter.export_community()["ledger"] == exported["ledger"]
    assert exporter.export_community()["funds"] == exported["funds"]


def problems(plan):
    return [(p.file, p.row, p.column, p.message) for p in plan.problems]


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "more than the 80.000 still owed"), ("id", "lebih dari sisa pinjaman 80.000")],
)
def test_an_over_repaid_loan_is_refused_with_its_row_and_nothing_is_saved(world, language, words):
    ledger_text = SAVED_AND_LENT + "L3,F1,2025-02-07,repayment,P-MEMBER2,,90000,L2,90000,0\n"
    with translation.override(language):
        preview = importer.plan_import(source(funds=FUND, ledger=ledger_text))
        plan = importer.import_community(source(funds=FUND, ledger=ledger_text))
    for found in (preview, plan):
        [(file, row, column, message)] = problems(found)
        assert (file, row, column) == ("ledger.csv", 4, "amount") and words in message
    assert not Fund.objects.exists() and not LedgerEntry.objects.exists()  # all or nothing


def test_a_withdrawal_the_fund_cannot_pay_names_its_row(world):
    # after the loan 20.000 is left: a withdrawal of 50.000 on row 4 would take it below zero
    ledger_text = SAVED_AND_LENT + "L3,F1,2025-01-08,withdrawal,P-MEMBER,,50000\n"
    with translation.override("id"):
        plan = importer.import_community(source(funds=FUND, ledger=ledger_text))
    [(file, row, column, message)] = problems(plan)
    assert (file, row, column) == ("ledger.csv", 4, "amount")
    assert "di bawah nol" in message or "tidak cukup" in message, message
    assert not LedgerEntry.objects.exists()


def test_bad_cells_are_reported_by_row_and_column(world):
    ledger_text = (
        "L1,F1,2025-01-06,tabungan kilat,P-MEMBER,,100000\n"
        "L2,F9,2025-01-06,deposit,P-MEMBER,,seratus\n"
        "L3,F1,2025-01-06,repayment,P-MEMBER,,1000,L9\n"
    )
    with translation.override("en"):
        plan = importer.import_community(source(funds=FUND, ledger=ledger_text))
    found = {(row, column) for _file, row, column, _message in problems(plan)}
    assert found == {(2, "entry"), (3, "fund_ref"), (3, "amount"), (4, "loan_ref")}
    assert not Fund.objects.exists()


def test_importing_twice_changes_nothing_and_a_changed_entry_is_refused(world):
    first = importer.import_community(source(funds=FUND, ledger=SAVED_AND_LENT))
    assert first.problems == [] and (first.counts["ledger"].created, first.counts["funds"].created) == (2, 1)
    second = importer.import_community(source(funds=FUND, ledger=SAVED_AND_LENT))
    assert second.problems == [] and second.rows_to_write == 0
    assert LedgerEntry.objects.count() == 2 and Fund.objects.count() == 1
    changed = SAVED_AND_LENT.replace("100000", "120000")
    with translation.override("en"):
        plan = importer.import_community(source(funds=FUND, ledger=changed))
    [(file, row, column, message)] = problems(plan)
    assert (file, row, column) == ("ledger.csv", 2, "ref") and "correcting entry" in message
    assert LedgerEntry.objects.get(ref="L1").amount == 100000


def test_a_facilitator_imports_money_only_for_the_groups_they_look_after(
    world, facilitator, other_facilitator
):
    plan = importer.import_community(source(funds=FUND, ledger=SAVED_AND_LENT), user=facilitator)
    assert plan.problems == [] and LedgerEntry.objects.count() == 2
    other = "F2,G1,social,Dana sosial,,2025-01-06,"
    with translation.override("en"):
        plan = importer.import_community(source(funds=other), user=other_facilitator)
    assert [(r, c) for _f, r, c, _m in problems(plan)] == [(2, "group_ref")]  # G1 is not theirs: unknown
    assert Fund.objects.count() == 1


def test_a_pseudonymised_export_keeps_every_entry_by_ref_and_loads_whole(world, savings_group):
    """Entries of people whose names an export hides are kept, by ref, with their note left
    empty; who covered whose contribution goes along; the money files load back whole."""
    sri, siti = world.member_person, world.member2_person
    social = Fund.objects.get(kind="social")
    ledger.record_entry(fund=social, entry=NewEntry(
        kind=EntryKind.CONTRIBUTION, date=social.opened_on + dt.timedelta(days=30), amount=D(20000),
        person=sri, covered_for=siti, note="Bu Sri membayar untuk Bu Siti", ref="L-COVER",
    ))
    plain = exporter.export_community()
    hidden = exporter.export_community(pseudonymize=True)
    assert "Sri Handayani" not in hidden["people"]
    lines = hidden["ledger"].strip().splitlines()
    assert len(lines) == 1 + 16 + 8  # every entry of both funds: none left out
    assert lines[0].endswith(",note,covered_ref")
    [covered] = [line for line in lines if line.startswith("L-COVER,")]
    assert covered.split(",")[4] == "P-MEMBER" and covered.endswith(",,P-MEMBER2")  # refs; no note
    assert "Bu Sri membayar untuk Bu Siti,P-MEMBER2" in plain["ledger"]  # a named export keeps it
    wipe_money()
    plan = importer.import_community(money_files(hidden))
    assert plan.problems == [], plan.problems
    assert (plan.counts["funds"].created, plan.counts["ledger"].created) == (2, 24)
    again = LedgerEntry.objects.get(ref="L-COVER")
    assert (again.person, again.covered_for, again.amount) == (sri, siti, D(20000))
    assert exporter.export_community(pseudonymize=True)["ledger"] == hidden["ledger"]


def test_a_ledger_file_without_the_covered_column_changes_nothing_recorded(world, savings_group):
    social = Fund.objects.get(kind="social")
    ledger.record_entry(fund=social, entry=NewEntry(
        kind=EntryKind.CONTRIBUTION, date=social.opened_on + dt.timedelta(days=30), amount=D(20000),
        person=world.member_person, covered_for=world.member2_person, ref="L-COVER",
    ))
    exported = exporter.export_community()
    older = "\r\n".join(line.rsplit(",", 1)[0] for line in exported["ledger"].splitlines()) + "\r\n"
    assert older.splitlines()[0].endswith(",reason,note")
    plan = importer.import_community(money_files({**exported, "ledger": older}))
    assert plan.problems == [] and plan.rows_to_write == 0
    assert LedgerEntry.objects.get(ref="L-COVER").covered_for == world.member2_person
