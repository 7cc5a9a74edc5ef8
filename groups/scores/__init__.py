"""The scores wing: everything between a saved row and a number on a page.

A row is saved -> change tracking notes it -> after commit a snapshot is requested -> the task
collects the rows, runs the analysis, lays out the pictures and stores the snapshot -> a page
reads it with one call and builds its context -> templates and charts draw it.

- indicators.py: THE registry: each indicator's key, label, kind, tolerance, trend fields and
  methodology anchor, and which page shows which indicator in what order.
- evidence.py: enough evidence: the least number of records each indicator needs (named once),
  "too few records (n)", a value with its base ("38% of 26 exchanges").
- quality.py: data quality per group (exchanges logged, confirmed/pending/disputed, entered on
  meeting sheets or by members, members party to an exchange), stored with each snapshot.
- analysis.py: pure social-network analysis (plain ids in, frozen dataclasses out; no Django).
- windows.py: periods (a window, its quarters, the default "last 12 months").
- collect.py: one scope's rows for one window, in about ten queries -> analysis.ScopeData.
- snapshots.py: compute and store a snapshot (scores, quarterly trend, stored pictures); the
  trend and the layout of the network of groups need no scores, so a forked process computes
  them meanwhile (_Background), with cheaper scores for the quarters (analysis.STRUCTURE_FIELDS).
- forking.py: the one way the wing forks helper processes (trend, layout, betweenness blocks):
  they end with the process that forked them, so a killed task worker leaves none behind.
- layouts.py + forces.py: positions of the stored pictures; forces.py is the one force layout
  (also used by charts when no positions are stored). No Django in forces.py.
- tasks.py: the background task (queued by reading.request_snapshot; debounced there).
- reading.py: THE reading API: read() answers a page in one call (latest done snapshot and the
  object's row, or the one being computed, or a recent failure); latest/pending/request.
- changes.py + signals.py: change tracking. note_change/mark_changed/note_exchange, called by
  the signals on save/delete and explicitly by every QuerySet.update() or bulk write; a
  district's everyday writes make only that district's snapshot and cached pages stale.
- page_cache.py: report pages built once per snapshot, language and naming class; a generation
  for every page and one per district.
- areas.py: the chain of areas above an area (one query for many).
- downloads.py: score tables (CSV, 4 decimals), the zip, GraphML/GEXF of a scope.
- pages/: page builders, the view-models of the report pages (dashboard, group, change, person).
- sentences.py: plain-language sentences about the figures (only from values with enough
  evidence; named ones kept apart for the facilitator; a group's read-aloud version).
- charts/: server-rendered SVG (network, lines, bars, sparkline); no Django.

Import direction (no cycles, tests/test_scores_structure.py checks it): pages -> reading ->
tasks -> snapshots -> collect/layouts -> analysis; changes -> reading.
"""
