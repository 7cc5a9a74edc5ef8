"""What an import would do: for each file its operations and their counts, and every problem.

Foreign keys are Links (kind and ref) until the writer turns them into primary keys: the
record they name may be in the database, in the files, or both (a row updating it).
"""

from dataclasses import dataclass, field

from .csvfiles import Problem

CHUNK = 2000  # refs or primary keys per lookup query
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(frozen=True, slots=True)
class Link:
    """A foreign key by ref: to a record in the database, a row of the files, or both."""

    kind: str
    ref: str


@dataclass(slots=True)  # one per row: no per-instance __dict__
class Op:
    row: int
    action: str
    key: object  # the ref, or the tuple that matches a record without one
    values: dict  # model field -> value (Link for foreign keys)
    pk: int | None = None  # the matched existing record


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class Plan:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=dict)  # file name -> counts
    ops: dict[str, list[Op]] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)  # file -> model fields an update writes

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows_to_write(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    @property
    def row_count(self) -> int:
        return sum(c.total for c in self.counts.values())


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def values_by_pk(model, pks, field_name: str) -> dict:
    found = {}
    for part in chunks(sorted(pks)):
        found.update(model.objects.filter(pk__in=part).values_list("pk", field_name))
    return found


def ids_in(queryset, pks) -> set[int]:
    found = set()
    for part in chunks(sorted(pks)):
        found.update(queryset.filter(pk__in=part).values_list("pk", flat=True))
    return found
