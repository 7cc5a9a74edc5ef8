"""After an import has written: tell the score snapshots what changed, and keep its audit
(one ImportRecord, and the old and new values of the people and exchanges it changed)."""

from groups import audit
from groups.models import Exchange, ImportRecord, Person
from groups.scores import changes

from .csvfiles import file_label
from .plan import CREATE, UPDATE, Link, Plan, chunks


def note_changes(plan: Plan, pks: dict) -> None:
    """Bulk writes send no signals: tell the score snapshots which records changed, so the
    areas' "last 12 months" scores are recomputed in the background after the commit."""
    touched = {"area": set(), "group": set(), "person": set()}
    for name, ops in plan.ops.items():
        kind = {"areas": "area", "groups": "group", "people": "person"}.get(name)
        for op in ops:
            if kind and op.action in (CREATE, UPDATE):
                touched[kind].add(op.pk or pks.get(kind, {}).get(op.key))
            for value in op.values.values():
                if isinstance(value, Link) and value.kind in touched:
                    touched[value.kind].add(pks.get(value.kind, {}).get(value.ref))
    changes.note_change(
        areas=touched["area"] - {None},
        groups=touched["group"] - {None},
        people=touched["person"] - {None},
    )
    updated_actors = [op.pk for op in plan.ops.get("actors", []) if op.action == UPDATE]
    if updated_actors:  # an actor's kind or authority changes its partners' scores
        changes.note_actor_change(updated_actors)


AUDITED_UPDATES = {"people": ("person", Person), "exchanges": ("exchange", Exchange)}


def record_import(plan: Plan, planner, pks: dict, user, origin: str) -> None:
    """The audit of an import: one ImportRecord (who, when, which files, counts per
    file), and an audit entry per existing person or exchange it changed, old and new values
    (phones masked), as the forms' saves leave. Bulk writes send no signals, hence by hand."""
    files = ", ".join(file_label(name) for name in plan.counts)
    ImportRecord.objects.create(
        user=user,
        file_names=(f"{origin}: {files}" if origin else files)[:500],
        counts={file_label(n): {"created": c.created, "updated": c.updated} for n, c in plan.counts.items()},
    )
    for name, (kind, model) in AUDITED_UPDATES.items():
        updates = [op for op in plan.ops.get(name, []) if op.action == UPDATE]
        for part in chunks(updates):
            instances = model.objects.in_bulk([op.pk for op in part])
            for op in part:
                before = planner.db[kind][op.key]
                changes = {}
                for field_name, value in op.values.items():
                    new = pks[value.kind].get(value.ref) if isinstance(value, Link) else value
                    if field_name in before and not planner.same(value, before[field_name]):
                        old = before[field_name]
                        if field_name == "phone":
                            old, new = audit.mask_phone(str(old or "")), audit.mask_phone(str(new or ""))
                        changes[field_name] = (old, new)
                if changes and op.pk in instances:
                    audit.record_update(instances[op.pk], changes, actor=user)
