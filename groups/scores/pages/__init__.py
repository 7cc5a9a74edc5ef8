"""Page builders: the view-models of the report pages, from a stored snapshot (and, for the
before/after page, a small computation of one group). Each builder returns the context a
template reads; views only decide access, read the filters and call one builder.

- common.py: names and links of people (privacy rules), the area a page reads, small helpers.
- dashboard.py: the area dashboard (figures, sentences, trend charts, the network of groups).
- group.py: the group report (profile against the area's median, members' network, trends).
- change.py: a group before and after a training or planning forum.
- person.py: a person's profile and exchange partners.
"""
