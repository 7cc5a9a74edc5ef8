"""CSV import and export of a whole community. The format: groups/examples/FORMAT.md.

- csvfiles.py: the files and their columns; reading a folder, a .zip or uploaded files (BOM,
  semicolons, zip-bomb and path guards); writing; neutralising formula cells.
- parsing.py: one cell into one value (codes or labels, dates, numbers), or a message.
- importer.py: plan_import() checks every row and counts what would change;
  import_community() checks and writes in one transaction, all or nothing.
- fields.py (what each file maps to), plan.py (what an import would do), scope.py (who may
  write what: it asks groups/access.py), writer.py (bulk writes).
- funds.py: funds.csv and ledger.csv, the groups' own money: read like the other files, written
  after them through the ledger's one door (groups/services/ledger.py), exported beside them.
- record.py: after the writes, what changed for the scores and the import's audit.
- exporter.py: the same files out of the database, optionally pseudonymised.
- storage.py and tasks.py: uploads kept server-side between preview and confirm, and the
  background task that applies a long import while the status page shows its progress.
"""
