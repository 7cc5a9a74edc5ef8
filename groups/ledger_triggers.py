"""The database's own copy of the two ledger rules no write may break, whatever door it uses
(the service groups/services/ledger.py checks them first, with clear messages; these triggers
catch a write that bypasses it: a raw create or bulk_create, the admin, a script, SQL):

- ledger_loan_not_over_repaid: a loan's principal repaid plus written off never exceeds what
  was lent (checked on every repayment or write-off written);
- ledger_cash_not_below_zero: a cycle's cash (its opening balance plus the signed entries)
  never ends a day below zero (checked on every entry that takes money out, and on any change
  of an entry).

Why triggers made after every migrate, not in a migration: the test database is built from
the models (pytest --nomigrations), where a migration's SQL would never run, and SQLite drops
a table's triggers whenever a migration rebuilds that table. A post_migrate receiver (apps.py)
drops and creates them again after every `migrate`, syncdb included, so they always exist and
always match the code: the signs are generated from ledger_math.CASH_SIGN (the one table of
signs, imported at run time; no frozen copy is needed because no migration holds this SQL).

A row-by-row check can see a batch half written. SQLite has row triggers only, run as each
row is inserted, so the service writes a batch's money in before its money out
(ledger_math.inflows_first): every partial state then holds at least the cash of the final one.
On PostgreSQL the cash is checked once per statement (a statement trigger over the rows it
wrote: the whole batch is visible, and each cycle it touched is summed once, not once per row);
the loan rule is a row constraint trigger, DEFERRABLE INITIALLY IMMEDIATE (run at the end of
the statement; `SET CONSTRAINTS ... DEFERRED` moves it to the commit). A deletion is not
checked (the application never deletes ledger entries).
"""

from __future__ import annotations

from groups import ledger_math

TABLE = "groups_ledgerentry"
CYCLES = "groups_cycle"
CASH = "ledger_cash_not_below_zero"
LOAN = "ledger_loan_not_over_repaid"


def _signed_amount() -> str:
    """CASE kind WHEN 'deposit' THEN amount WHEN 'loan' THEN -amount ... ELSE 0 END."""
    arms = " ".join(
        f"WHEN '{kind}' THEN {'' if sign > 0 else '-'}amount"
        for kind, sign in sorted(ledger_math.CASH_SIGN.items())
        if sign
    )
    return f"CASE kind {arms} ELSE 0 END"


def _outflows() -> str:
    return ", ".join(f"'{kind}'" for kind, sign in sorted(ledger_math.CASH_SIGN.items()) if sign < 0)


# The SQL below is built from this module's constants and ledger_math's kind codes only (no
# input reaches it), hence its S608 (SQL built from strings) exception in pyproject.toml.


def _lowest_cash(cycle: str) -> str:
    """The lowest end-of-day cash of a cycle (SQL expression), as ledger_math.lowest_balance."""
    return (
        f"(SELECT opening_balance FROM {CYCLES} WHERE id = {cycle}) + (SELECT MIN(0, MIN(running)) FROM ("
        f"SELECT SUM(day_total) OVER (ORDER BY date) AS running FROM ("
        f"SELECT date, SUM({_signed_amount()}) AS day_total FROM {TABLE} "
        f"WHERE cycle_id = {cycle} GROUP BY date) AS days) AS balances)"
    )


def _settled(loan: str) -> str:
    """A loan's principal repaid plus written off, over the amount lent (SQL expression)."""
    return (
        f"(SELECT COALESCE(SUM(CASE kind WHEN 'repayment' THEN principal ELSE amount END), 0) "
        f"FROM {TABLE} WHERE loan_id = {loan}) - (SELECT amount FROM {TABLE} WHERE id = {loan})"
    )


#: (trigger, rule, event, condition): money going out is checked as it is written, any change
#: of a row always; repayments and write-offs (rows naming a loan) on both.
TRIGGERS = (
    (f"{CASH}_insert", CASH, "INSERT", f"NEW.kind IN ({_outflows()})"),
    (f"{CASH}_update", CASH, "UPDATE", ""),
    (f"{LOAN}_insert", LOAN, "INSERT", "NEW.loan_id IS NOT NULL"),
    (f"{LOAN}_update", LOAN, "UPDATE", "NEW.loan_id IS NOT NULL"),
)
MESSAGES = {CASH: "the fund would hold less than nothing", LOAN: "more than the loan is repaid"}


def sqlite_sql() -> list[str]:
    tests = {
        CASH: f"ROUND({_lowest_cash('NEW.cycle_id')}, 2) < 0",
        LOAN: f"ROUND({_settled('NEW.loan_id')}, 2) > 0",
    }
    statements = [f"DROP TRIGGER IF EXISTS {name}" for name, *_rest in TRIGGERS]
    for name, rule, event, condition in TRIGGERS:
        when = f"WHEN {condition} " if condition else ""
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} {when}BEGIN "
            f"SELECT RAISE(ABORT, '{rule}: {MESSAGES[rule]}') WHERE {tests[rule]}; END"
        )
    return statements


def postgresql_sql() -> list[str]:
    lowest = _lowest_cash("touched.cycle_id").replace("MIN(0, MIN(running))", "LEAST(0, MIN(running))")
    tests = {
        # once per statement, each cycle the statement wrote to (new_rows: its rows as written)
        CASH: f"EXISTS (SELECT 1 FROM (SELECT DISTINCT cycle_id FROM new_rows) AS touched "
        f"WHERE {lowest} < 0)",
        LOAN: f"{_settled('NEW.loan_id')} > 0",
    }
    statements = [
        f"CREATE OR REPLACE FUNCTION {rule}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF {test} THEN RAISE EXCEPTION '{rule}: {MESSAGES[rule]}' USING ERRCODE = 'check_violation'; "
        f"END IF; RETURN NULL; END $$"
        for rule, test in tests.items()
    ]
    statements += [f"DROP TRIGGER IF EXISTS {name} ON {TABLE}" for name, *_rest in TRIGGERS]
    for name, rule, event, condition in TRIGGERS:
        if rule == CASH:
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {TABLE} REFERENCING NEW TABLE AS new_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {rule}()"
            )
            continue
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {TABLE} DEFERRABLE INITIALLY IMMEDIATE "
            f"FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION {rule}()"
        )
    return statements


def install(connection) -> None:
    """Drop and create the triggers on `connection` (idempotent; other databases: nothing)."""
    statements = {"sqlite": sqlite_sql, "postgresql": postgresql_sql}.get(connection.vendor)
    if statements is None:
        return
    with connection.cursor() as cursor:
        for sql in statements():
            cursor.execute(sql)


def on_post_migrate(sender, using, **kwargs) -> None:
    """post_migrate receiver of the groups app (connected in apps.py)."""
    from django.db import connections, transaction

    with transaction.atomic(using=using):
        install(connections[using])
