"""Who may write what in an import: the importing user's scope, checked row by row.

A facilitator writes into the areas of their facilitator assignments (and below) and the
groups they look after; a coordinator into the areas of their assignments; staff and the
management command (no user) everywhere. Rows that change nothing pass: they write nothing.
Records the user may not read are unknown to the import, as they are to every page (404).
"""

from collections import defaultdict

from django.utils.translation import gettext as _

from groups import access
from groups.models import LEVEL_DEPTH, AreaLevel, Group, Person

from .plan import CREATE, UNCHANGED, UPDATE, Link, Op, ids_in, values_by_pk


class Rules:
    """What the importing user may write. None (the operator) and staff may write everything."""

    def __init__(self, user, planner):
        self.unrestricted = user is None or (user.is_active and user.is_staff)
        if self.unrestricted:
            return
        scope = access.Scope(user)
        children = defaultdict(list)
        for record in planner.db["area"].values():
            children[record["parent_id"]].append(record["pk"])
        self.areas: set[int] = set()
        stack = list(scope.facilitator_area_ids + scope.coordinator_area_ids)
        while stack:  # the assigned areas and everything below them
            pk = stack.pop()
            if pk not in self.areas:
                self.areas.add(pk)
                stack.extend(children[pk])
        db = planner.db
        person_area = {r["pk"]: r["area_id"] for r in db["person"].values()}
        person_area.update(values_by_pk(Person, planner.exchange_party_pks - set(person_area), "area_id"))
        group_area = {r["pk"]: r["area_id"] for r in db["group"].values()}
        other_groups = {r["group_id"] for kind in ("norm", "activity", "exchange") for r in db[kind].values()}
        group_area.update(values_by_pk(Group, other_groups - set(group_area) - {None}, "area_id"))
        self.read_people = ids_in(scope.people(), person_area)
        self.write_people = ids_in(scope.editable_people(), person_area)
        self.write_people |= {pk for pk, area in person_area.items() if area in self.areas}
        self.read_groups = ids_in(scope.groups(), group_area)
        self.write_groups = ids_in(scope.editable_groups(), group_area)
        self.write_groups |= {pk for pk, area in group_area.items() if area in self.areas}
        self.read_actors = ids_in(scope.actors(), {r["pk"] for r in db["actor"].values()})
        self.read_exchanges = ids_in(scope.exchanges(), {r["pk"] for r in db["exchange"].values()})

    def readable(self, kind: str, record: dict) -> bool:
        if self.unrestricted or kind == "area":
            return True
        if kind == "person":
            return record["pk"] in self.read_people
        if kind == "group":
            return record["pk"] in self.read_groups
        if kind == "actor":
            return record["pk"] in self.read_actors
        if kind in ("norm", "activity"):
            return record["group_id"] in self.read_groups
        return record["pk"] in self.read_exchanges


class ScopeCheck:
    """Every write inside the user's areas and groups; unchanged rows write nothing and pass."""

    def __init__(self, planner):
        self.p = planner
        self.rules = planner.rules
        self.ok_areas: set[str] = set()  # created in this import, inside the user's areas
        self.ok_groups: set[str] = set()

    def outside(self, name: str, op: Op, column: str, ref: str) -> None:
        self.p.problem(
            name,
            op.row,
            column,
            _("“%(ref)s” is outside the areas and groups you work in, so you may not change it.")
            % {"ref": ref},
        )

    def area_ok(self, link: Link | None) -> bool:
        if link is None:
            return False
        return link.ref in self.ok_areas or self.p.db_pk(link) in self.rules.areas

    def group_ok(self, link: Link | None) -> bool:
        if link is None:
            return False
        return link.ref in self.ok_groups or self.p.db_pk(link) in self.rules.write_groups

    def person_ok(self, link: Link | None) -> bool:
        if link is None or link.kind != "person":
            return False
        pk = self.p.db_pk(link)
        return pk is None or pk in self.rules.write_people  # new people passed their own check

    def existing(self, kind: str, op: Op) -> dict:
        return self.p.db[kind][op.key]

    def ops(self, name: str):
        for op in self.p.plan.ops.get(name, []):
            if op.action != UNCHANGED:
                yield op

    def run(self) -> None:
        db = self.p.db
        areas = sorted(  # parents first, so a new district's new villages find it writable
            self.ops("areas"),
            key=lambda op: LEVEL_DEPTH[AreaLevel(op.values.get("level") or db["area"][op.key]["level"])],
        )
        for op in areas:
            parent = op.values.get("parent_id")
            if op.action == CREATE:
                if self.area_ok(parent):
                    self.ok_areas.add(op.key)
                else:
                    self.outside("areas", op, "parent_ref", parent.ref if parent else op.key)
            else:
                moved = "parent_id" in op.values and not self.p.same(
                    parent, self.existing("area", op)["parent_id"]
                )
                if self.existing("area", op)["pk"] not in self.rules.areas or (
                    moved and not self.area_ok(parent)
                ):
                    self.outside("areas", op, "ref", op.key)
        for op in self.ops("actors"):
            area = op.values.get("area_id")
            if op.action == CREATE:
                if not self.area_ok(area):
                    self.outside("actors", op, "area_ref", area.ref)
            elif self.existing("actor", op)["area_id"] not in self.rules.areas or (
                area and not self.area_ok(area)
            ):
                self.outside("actors", op, "ref", op.key)
        for op in self.ops("groups"):
            area = op.values.get("area_id")
            if op.action == CREATE:
                if self.area_ok(area):
                    self.ok_groups.add(op.key)
                else:
                    self.outside("groups", op, "area_ref", area.ref)
            else:
                record = self.existing("group", op)
                moved = area is not None and not self.p.same(area, record["area_id"])
                if record["pk"] not in self.rules.write_groups or (moved and not self.area_ok(area)):
                    self.outside("groups", op, "ref", op.key)
        joining: set[str] = set()  # people given a membership of a group the user may change
        for op in self.ops("memberships"):
            group = op.values["group_id"]
            if self.group_ok(group):
                joining.add(op.values["person_id"].ref)
            else:
                self.outside("memberships", op, "group_ref", group.ref)
        for op in self.p.plan.ops.get("memberships", []):
            if op.action == UNCHANGED and self.group_ok(op.values["group_id"]):
                joining.add(op.values["person_id"].ref)
        for op in self.ops("people"):
            area = op.values.get("area_id")
            if op.action == CREATE:
                if not (self.area_ok(area) or op.key in joining):
                    self.outside("people", op, "area_ref", area.ref)
            else:
                record = self.existing("person", op)
                moved = area is not None and not self.p.same(area, record["area_id"])
                if record["pk"] not in self.rules.write_people or (moved and not self.area_ok(area)):
                    self.outside("people", op, "ref", op.key)
        for name, kind in (("norms", "norm"), ("activities", "activity")):
            for op in self.ops(name):
                group = op.values.get("group_id")
                if op.action == UPDATE and self.existing(kind, op)["group_id"] not in self.rules.write_groups:
                    self.outside(name, op, "ref", op.key)
                elif group is not None and not self.group_ok(group):
                    self.outside(name, op, "group_ref", group.ref)
        norm_groups = {op.key: op.values.get("group_id") for op in self.p.plan.ops.get("norms", [])}
        for op in self.ops("norm_reviews"):
            if not self.child_ok(op.values["norm_id"], "norm", norm_groups):
                self.outside("norm_reviews", op, "norm_ref", op.values["norm_id"].ref)
        activity_groups = {op.key: op.values.get("group_id") for op in self.p.plan.ops.get("activities", [])}
        for op in self.ops("attendance"):
            if not self.child_ok(op.values["activity_id"], "activity", activity_groups):
                self.outside("attendance", op, "activity_ref", op.values["activity_id"].ref)
        for op in self.ops("exchanges"):
            if not self.exchange_ok(op):
                self.outside("exchanges", op, "ref", op.key)

    def child_ok(self, link: Link, kind: str, file_groups: dict) -> bool:
        """A review or attendance: its norm or activity's group is one the user may change."""
        record = self.p.db[kind].get(link.ref)
        if record is not None:
            return record["group_id"] in self.rules.write_groups
        return self.group_ok(file_groups.get(link.ref))

    def exchange_ok(self, op: Op) -> bool:
        """One of its people is someone the user looks after, or its group is theirs: before
        the change (an update) and after it."""
        record = self.existing("exchange", op) if op.action == UPDATE else None
        if record is not None and not (
            record["giver_person_id"] in self.rules.write_people
            or record["receiver_person_id"] in self.rules.write_people
            or record["group_id"] in self.rules.write_groups
        ):
            return False

        def final(field_name):  # a column left out keeps the stored value
            if field_name in op.values:
                return op.values[field_name]
            return record[field_name] if record else None

        def person_ok(value):
            return self.person_ok(value) if isinstance(value, Link) else value in self.rules.write_people

        def group_ok(value):
            return self.group_ok(value) if isinstance(value, Link) else value in self.rules.write_groups

        return (
            person_ok(final("giver_person_id"))
            or person_ok(final("receiver_person_id"))
            or group_ok(final("group_id"))
        )
