"""Writing a checked plan: bulk creates in batches (parents before children), then bulk
updates by primary key, reporting progress after each batch."""

from groups.models import (
    LEVEL_DEPTH,
    Activity,
    Area,
    AreaLevel,
    Exchange,
    ExternalActor,
    Group,
    Membership,
    Norm,
    NormReview,
    Person,
)

from .csvfiles import file_label
from .plan import CREATE, UPDATE, Link, Op, Plan

CREATE_BATCH = 1000
UPDATE_BATCH = 500  # bulk_update builds a CASE per field: smaller batches keep statements small


class Writer:
    """Writes a plan: creates in batches (parents before children), then updates by pk.
    Instances are built one batch at a time, so memory stays flat however long the files."""

    def __init__(self, plan: Plan, pks: dict, user_id: int | None, progress):
        self.plan, self.progress, self.user_id = plan, progress, user_id
        self.pks = {kind: dict(refs) for kind, refs in pks.items()}
        self.total = plan.rows_to_write
        self.done = 0

    def resolve(self, values: dict) -> dict:
        return {
            name: self.pks[value.kind][value.ref] if isinstance(value, Link) else value
            for name, value in values.items()
        }

    def tick(self, name: str, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(file_label(name), self.done, self.total)

    def create(self, name: str, ops: list[Op], build, kind: str | None = None) -> None:
        for start in range(0, len(ops), CREATE_BATCH):
            batch = [build(op) for op in ops[start : start + CREATE_BATCH]]
            model = type(batch[0])
            model.objects.bulk_create(batch)
            if kind is not None:
                if any(obj.pk is None for obj in batch):  # a database that returns no ids
                    self.pks[kind].update(
                        model.objects.filter(ref__in=[o.ref for o in batch]).values_list("ref", "pk")
                    )
                else:
                    self.pks[kind].update((obj.ref, obj.pk) for obj in batch)
            self.tick(name, len(batch))

    def update(self, name: str, ops: list[Op], build, fields: list[str]) -> None:
        if not fields:
            return
        for start in range(0, len(ops), UPDATE_BATCH):
            batch = [build(op) for op in ops[start : start + UPDATE_BATCH]]
            type(batch[0]).objects.bulk_update(batch, fields)
            self.tick(name, len(batch))

    def split(self, name: str) -> tuple[list[Op], list[Op]]:
        ops = self.plan.ops.get(name, [])
        return [o for o in ops if o.action == CREATE], [o for o in ops if o.action == UPDATE]

    def run(self) -> None:
        self.write_areas()
        self.write_with_ref("actors", ExternalActor, "actor")
        self.write_with_ref("groups", Group, "group")
        self.write_with_ref("people", Person, "person")
        self.write_memberships()
        self.write_with_ref("norms", Norm, "norm")
        created, updated = self.split("norm_reviews")
        self.update(
            "norm_reviews",
            updated,
            lambda op: NormReview(pk=op.pk, **self.resolve(op.values)),
            self.fields("norm_reviews"),
        )
        self.create(
            "norm_reviews",
            created,
            lambda op: NormReview(reviewed_by_id=self.user_id, **self.resolve(op.values)),
        )
        self.write_with_ref("activities", Activity, "activity")
        through = Activity.attendees.through
        created, _updated = self.split("attendance")
        self.create("attendance", created, lambda op: through(**self.resolve(op.values)))
        self.write_with_ref("exchanges", Exchange, "exchange", logged_by_id=self.user_id)

    def fields(self, name: str) -> list[str]:
        return self.plan.fields.get(name, [])

    def write_areas(self) -> None:
        created, updated = self.split("areas")
        # Parents before children: a parent is always a larger level (checked), so by level.
        created.sort(key=lambda op: LEVEL_DEPTH[AreaLevel(op.values["level"])])
        for depth in sorted({LEVEL_DEPTH[AreaLevel(op.values["level"])] for op in created}):
            level_ops = [op for op in created if LEVEL_DEPTH[AreaLevel(op.values["level"])] == depth]
            self.create("areas", level_ops, lambda op: Area(ref=op.key, **self.resolve(op.values)), "area")
        self.update(
            "areas",
            updated,
            lambda op: Area(pk=op.pk, ref=op.key, **self.resolve(op.values)),
            self.fields("areas"),
        )

    def write_with_ref(self, name: str, model, kind: str, **extra) -> None:
        created, updated = self.split(name)
        self.create(name, created, lambda op: model(ref=op.key, **extra, **self.resolve(op.values)), kind)
        self.update(
            name,
            updated,
            lambda op: model(pk=op.pk, ref=op.key, **self.resolve(op.values)),
            self.fields(name),
        )

    def write_memberships(self) -> None:
        created, updated = self.split("memberships")
        # Close memberships before opening others: one open membership per pair at every moment.
        closing = [op for op in updated if op.values.get("left_on") is not None]
        opening = [op for op in updated if op.values.get("left_on") is None]
        for ops in (closing, opening):
            self.update(
                "memberships",
                ops,
                lambda op: Membership(pk=op.pk, **self.resolve(op.values)),
                self.fields("memberships"),
            )
        self.create("memberships", created, lambda op: Membership(**self.resolve(op.values)))
