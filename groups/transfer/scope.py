"""Who may write what in an import: what the same user could write in the forms, row by row.

groups/access.py decides; this module only asks it. A facilitator writes into the areas they
may register groups and people in (Scope.editable_areas), the groups they may edit, and the
people they look after (Scope.looked_after_people); a coordinator imports nothing; staff and
the management command without --user everywhere. Areas are changed by administrators only,
as in the forms. Rows that change nothing pass, except rows about a person the user does not
look after: those are refused whatever they hold, so the preview cannot confirm a guessed
name or phone ("unchanged" vs "updated"). Records the user may not read
are unknown to the import, as they are to every page (404). An exchange that is someone
else's word keeps its parties, resource, amount and status (check_exchange_words).
"""

from django.utils.translation import gettext as _

from groups import access
from groups.models import ExchangeStatus, Group, Person

from .plan import CREATE, UNCHANGED, UPDATE, Link, Op, ids_in, values_by_pk


class Rules:
    """What the importing user may write. None (the operator) and staff may write everything."""

    def __init__(self, user, planner):
        self.user_id = getattr(user, "pk", None)
        self.unrestricted = user is None or (user.is_active and user.is_staff)
        if self.unrestricted:
            self.allowed = True
            return
        scope = access.Scope(user)
        self.allowed = scope.may_import()
        self.areas: set[int] = set(scope.editable_areas().values_list("pk", flat=True))
        db = planner.db
        person_area = {r["pk"]: r["area_id"] for r in db["person"].values()}
        person_area.update(values_by_pk(Person, planner.exchange_party_pks - set(person_area), "area_id"))
        group_area = {r["pk"]: r["area_id"] for r in db["group"].values()}
        other_groups = {r["group_id"] for kind in ("norm", "activity", "exchange") for r in db[kind].values()}
        group_area.update(values_by_pk(Group, other_groups - set(group_area) - {None}, "area_id"))
        self.person_area = person_area
        self.read_people = ids_in(scope.people(), person_area)
        # Memberships and exchanges: the people the user may log for; personal details,
        # consent and logins: only the people they look after (finding 4).
        self.write_people = ids_in(scope.editable_people(), person_area)
        self.own_people = ids_in(scope.looked_after_people(), person_area)
        self.read_groups = ids_in(scope.groups(), group_area)
        self.write_groups = ids_in(scope.editable_groups(), group_area)
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
        return self.p.db_pk(link) in self.rules.areas

    def group_ok(self, link: Link | None) -> bool:
        if link is None:
            return False
        return link.ref in self.ok_groups or self.p.db_pk(link) in self.rules.write_groups

    def person_ok(self, link: Link | None) -> bool:
        if link is None or link.kind != "person":
            return False
        pk = self.p.db_pk(link)
        return pk is None or pk in self.rules.write_people  # new people passed their own check

    def candidate_ok(self, link: Link) -> bool:
        """Someone the user may add to a group, as in the form (Scope.member_candidates):
        people they may log for, and people living in their own areas."""
        pk = self.p.db_pk(link)
        if pk is None or pk in self.rules.write_people:
            return True
        return self.rules.person_area.get(pk) in self.rules.areas

    def existing(self, kind: str, op: Op) -> dict:
        return self.p.db[kind][op.key]

    def ops(self, name: str):
        for op in self.p.plan.ops.get(name, []):
            if op.action != UNCHANGED:
                yield op

    def run(self) -> None:
        if not self.rules.allowed:
            self.p.problem(
                "",
                None,
                "",
                _("Only facilitators and administrators import: your account reads reports only."),
            )
            return
        for op in self.ops("areas"):  # the forms let no one but administrators change areas
            self.p.problem(
                "areas", op.row, "ref", _("Only an administrator adds or changes areas; this row would.")
            )
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
        for op in self.ops("memberships"):
            group = op.values["group_id"]
            if not self.group_ok(group):
                self.outside("memberships", op, "group_ref", group.ref)
            elif not self.candidate_ok(op.values["person_id"]):
                self.outside("memberships", op, "person_ref", op.values["person_id"].ref)
        for op in self.p.plan.ops.get("people", []):
            area = op.values.get("area_id")
            if op.action == CREATE:
                if not self.area_ok(area):  # as the form: only in the user's own areas (finding 13)
                    self.outside("people", op, "area_ref", area.ref)
                continue
            record = self.existing("person", op)
            moved = area is not None and not self.p.same(area, record["area_id"])
            # Unchanged rows too, so the preview never tells a guess from the truth (finding 6).
            if record["pk"] not in self.rules.own_people or (moved and not self.area_ok(area)):
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


def check_exchange_words(planner, user) -> None:
    """Nobody confirms their own word, whatever the door, and an import never rewrites an
    exchange that is someone else's word. For a user's import (staff
    included): a new exchange is pending until the other party answers; an existing one keeps
    its parties, resource, amount and status unless the importing user logged it and nobody
    has answered it yet. Refused, not sent back to pending: the members' record stands."""
    if user is None:
        return  # the operator's command migrates paper records, already witnessed
    for op in planner.plan.ops.get("exchanges", []):
        status = op.values.get("status")
        if op.action == CREATE:
            if status not in (None, ExchangeStatus.PENDING):
                planner.problem(
                    "exchanges",
                    op.row,
                    "status",
                    _(
                        "An import records a new exchange as pending: only the other party may "
                        "confirm or dispute it. Leave the status empty or write “pending”."
                    ),
                )
            continue
        if op.action != UPDATE:
            continue
        record = planner.db["exchange"][op.key]
        changed = [
            name
            for name in PROTECTED_EXCHANGE_FIELDS
            if name in op.values and not planner.same(op.values[name], record[name])
        ]
        own_open = (
            record["logged_by_id"] == user.pk
            and record["confirmed_by_id"] is None
            and record["status"] == ExchangeStatus.PENDING
        )
        if "status" in changed or (changed and not own_open):
            planner.problem(
                "exchanges",
                op.row,
                "ref",
                _(
                    "This exchange is the word of the members who logged or confirmed it: an import "
                    "cannot change who gave, who received, what, how much or its status. Log a new "
                    "exchange instead, or ask the members to correct it."
                ),
            )


PROTECTED_EXCHANGE_FIELDS = (
    "giver_person_id",
    "giver_actor_id",
    "receiver_person_id",
    "receiver_actor_id",
    "resource",
    "amount",
    "status",
)
