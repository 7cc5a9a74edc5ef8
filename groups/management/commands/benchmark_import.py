import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from groups.models import Area
from groups.transfer import csvfiles, importer

VILLAGES = 20
GROUPS = 200
ACTORS = 20


def synthetic_files(exchanges: int, people: int, seed: int = 5) -> dict[str, str]:
    """A community of `people` people in 20 villages and 200 groups, with `exchanges` exchanges."""
    rng = random.Random(seed)
    rows = {name: [] for name in csvfiles.FILE_NAMES}
    rows["areas"] += [
        ["BENCH-P", "Provinsi Uji", "province", ""],
        ["BENCH-R", "Kabupaten Uji", "regency", "BENCH-P"],
        ["BENCH-D", "Kecamatan Uji", "district", "BENCH-R"],
    ]
    villages = [f"BENCH-V{i:02d}" for i in range(VILLAGES)]
    rows["areas"] += [[ref, f"Desa Uji {i}", "village", "BENCH-D"] for i, ref in enumerate(villages)]
    groups = [f"BENCH-G{i:03d}" for i in range(GROUPS)]
    rows["groups"] += [
        [
            ref,
            f"Kelompok Uji {i}",
            rng.choice(["arisan", "farmers", "religious", "savings_loan"]),
            villages[i % VILLAGES],
            "2020-01-01",
            "spontaneous",
            "monthly",
            "",
            "",
            "",
        ]
        for i, ref in enumerate(groups)
    ]
    actors = [f"BENCH-A{i:02d}" for i in range(ACTORS)]
    rows["actors"] += [[ref, f"Lembaga Uji {i}", "ngo", "BENCH-R"] for i, ref in enumerate(actors)]
    persons = [f"BENCH-P{i:06d}" for i in range(people)]
    rows["people"] += [
        [
            ref,
            f"Warga Uji {i}",
            "",
            rng.choice(["female", "male"]),
            str(rng.randint(1950, 2005)),
            villages[i % VILLAGES],
            f"+62812{rng.randint(10_000_000, 99_999_999)}",
            "2025-01-01",
        ]
        for i, ref in enumerate(persons)
    ]
    group_of = {}
    for i, ref in enumerate(persons):
        group = groups[(i * 7) % GROUPS]
        group_of[ref] = group
        rows["memberships"].append([ref, group, "member", "2021-01-01", ""])
    resources = ["money", "loan", "goods", "labour", "knowledge", "information", "emotional_support", "care"]
    for i in range(exchanges):
        giver, receiver = rng.sample(persons, 2)
        if i % 50 == 0:
            giver = rng.choice(actors)
        resource = rng.choice(resources)
        amount = str(rng.randint(1, 40) * 25000) if resource in ("money", "loan") else ""
        rows["exchanges"].append(
            [
                f"BENCH-X{i:07d}",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                giver,
                receiver,
                resource,
                amount,
                "IDR" if amount else "",
                group_of.get(receiver, ""),
                "",
                "confirmed",
            ]
        )
    return {name: csvfiles.table_text(name, table) for name, table in rows.items()}


class Command(BaseCommand):
    help = (
        "Time an import of a synthetic community (default 100,000 exchanges among 3,000 people) "
        "into the configured database. It writes: refused unless the database is empty or --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--exchanges", type=int, default=100_000)
        parser.add_argument("--people", type=int, default=3000)
        parser.add_argument("--force", action="store_true", help="Run even if the database is not empty.")
        parser.add_argument("--keep", help="Also write the generated files into this folder.")

    def handle(self, *args, exchanges, people, force=False, keep=None, **options):
        if Area.objects.exists() and not force:
            raise CommandError(_("The database is not empty; the benchmark writes into it. Use --force."))
        if people < 2 or exchanges < 0:
            raise CommandError(_("Give at least 2 people and no negative number of exchanges."))
        texts = synthetic_files(exchanges, people)
        folder = Path(tempfile.mkdtemp(prefix="cm-bench-"))
        try:
            csvfiles.write_folder(folder, texts)
            if keep:
                csvfiles.write_folder(keep, texts)
            size = sum(len(t.encode()) for t in texts.values()) / 1024 / 1024
            self.stdout.write(
                f"{connection.vendor}: {exchanges} exchanges, {people} people, {size:.1f} MB of CSV"
            )
            for label in ("first import", "second import (all unchanged)"):
                started, cpu = time.perf_counter(), time.process_time()
                plan = importer.import_community(csvfiles.read_path(folder))
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                if plan.problems:
                    for problem in plan.problems[:20]:
                        self.stderr.write(str(problem))
                    raise CommandError(_("The synthetic files did not import."))
                written = plan.rows_to_write
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
                self.stdout.write(
                    f"{label}: {seconds:.1f} s ({cpu:.1f} s CPU in this process), {written} records "
                    f"written, {plan.row_count} rows read, peak memory {peak:.0f} MB, "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
