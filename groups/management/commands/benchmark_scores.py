"""Benchmark of score snapshots and report pages on synthetic communities (not a timed test).

For each size: empty the database, generate a synthetic community (groups/synthetic.py),
compute the rolling snapshot of the district (all people) and of one village in a forked
child process, reporting wall time and the child's peak resident memory (ru_maxrss: the
whole process, Django included, plus separately the largest of its worker processes), then
time the dashboard and the group report pages with the Django test Client, and the snapshot
reads alone. On the 5,000 case (--error-sizes), the go-between scores (betweenness) are compared
with networkx's exact ones: the top-10 brokers in common and the time of each. --brokers-only
leaves out the snapshots and pages (the broker agreement on 5,000 and 20,000 people, e.g.
`benchmark_scores --force --brokers-only --sizes 5000,20000 --error-sizes 5000,20000`).
networkx is the reference; its exact betweenness at 20,000 people takes hours, so
`--reference rustworkx` takes rustworkx's exact one instead (an implementation of its own, in
Rust on every core: minutes), itself checked against networkx in tests/test_analysis.py, e.g.
`benchmark_scores --force --brokers-only --sizes 20000 --error-sizes 20000 --reference rustworkx`.
At --process-sizes (2,000 by default), the whole `manage.py compute_scores` process is timed
too, as a user starts it (Python and Django starting, the snapshot, the exit), e.g.
`benchmark_scores --force --sizes 2000 --error-sizes ""`.

Run it on its own database, with plain static files and no background worker, e.g.:
  SECRET_KEY=bench TESTING=true TASKS_IMMEDIATE=false SECURE_SSL_REDIRECT=false \\
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_scores python manage.py benchmark_scores --force
"""

import json
import math
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import time

import igraph
import networkx as nx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.models import Count
from django.test import Client
from django.urls import NoReverseMatch, reverse

from groups import synthetic
from groups.models import Area, AreaLevel, Group, GroupScore
from groups.scores import analysis, collect, reading, snapshots, windows
from groups.scores.forking import fork_pool

BENCH_USER = "benchmark-staff"


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _compute_in_child(area_id: int, queue) -> None:
    """Child process: compute one rolling snapshot, report time and memory."""
    try:
        baseline = _rss_kb()
        before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = before.ru_utime + before.ru_stime
        area = Area.objects.get(pk=area_id)
        began = time.perf_counter()
        snapshot = snapshots.compute_snapshot(reading.create_snapshot(area))
        seconds = time.perf_counter() - began
        own = resource.getrusage(resource.RUSAGE_SELF)
        workers = resource.getrusage(resource.RUSAGE_CHILDREN)
        queue.put(
            {
                "seconds": seconds,
                # CPU of this process and of its worker processes: with the load of other
                # programs, wall time varies; CPU seconds / cores bounds it on an idle machine
                "cpu_seconds": own.ru_utime + own.ru_stime - cpu_before,
                "workers_cpu_seconds": workers.ru_utime + workers.ru_stime,
                "baseline_mb": baseline / 1024,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "workers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "estimated": snapshot.betweenness_estimated,
                "people": snapshot.area_scores["people"],
                "groups": snapshot.area_scores["groups"],
                "exchanges": snapshot.area_scores["exchanges"],
                "ties": snapshot.area_scores["ties"],
            }
        )
    except Exception as error:  # reported by the parent
        queue.put({"error": repr(error)})
    finally:
        connections.close_all()


def measure_snapshot(area: Area) -> dict:
    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_compute_in_child, args=(area.pk, queue))
    child.start()
    result = queue.get()
    child.join()
    if "error" in result:
        raise CommandError(result["error"])
    return result


def measure_process(area: Area, runs: int) -> dict:
    """`manage.py compute_scores --area REF` run `runs` times as its own process: wall time and
    the CPU time of the process and its worker processes (user, system). Other programs on the
    machine lengthen the wall time, not the CPU time, so both are given, with the load."""
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "compute_scores", "--area", area.ref]
    samples = []
    for _ in range(runs):
        connections.close_all()  # the process opens its own connection
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 (our own command)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append(
            {
                "wall_seconds": round(wall, 2),
                "user_seconds": round(after.ru_utime - before.ru_utime, 2),
                "sys_seconds": round(after.ru_stime - before.ru_stime, 2),
                "load_average": os.getloadavg(),
            }
        )
    return {
        "runs": samples,
        "median_wall_seconds": statistics.median(r["wall_seconds"] for r in samples),
        "median_cpu_seconds": statistics.median(r["user_seconds"] + r["sys_seconds"] for r in samples),
    }


def timings(client: Client, url: str, requests: int) -> dict:
    response = client.get(url, secure=True)  # warm-up (caches, first query plans)
    if response.status_code != 200:
        raise CommandError(f"{url} answered {response.status_code}")
    samples, cpu = [], []
    for _ in range(requests):
        began, began_cpu = time.perf_counter(), time.process_time()
        client.get(url, secure=True)
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
        # the view's own CPU (the test Client runs it in this process; database time excluded)
        "cpu_median_ms": statistics.median(cpu),
        "bytes": len(response.content),
    }


def read_timings(area: Area, group: Group, requests: int) -> dict:
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        snapshot = reading.latest_snapshot(area)
        _ = snapshot.area_scores, snapshot.trend, snapshot.group_network
        reading.group_score(group)
        samples.append((time.perf_counter() - began) * 1000)
    return {"median_ms": statistics.median(samples), "max_ms": max(samples)}


_REFERENCE_GRAPH = None


def _reference_part(sources: list) -> dict:
    graph = _REFERENCE_GRAPH
    return nx.betweenness_centrality_subset(graph, sources, list(graph), normalized=False)


def networkx_betweenness(T: nx.Graph, parts: int) -> dict[str, float]:
    """networkx's exact ``betweenness_centrality(T, normalized=True)``, the reference, with its
    sources shared among ``parts`` forked processes: ``betweenness_centrality_subset`` towards
    every node is the same Brandes sum restricted to some sources, so the parts add up to it."""
    global _REFERENCE_GRAPH
    _REFERENCE_GRAPH = T
    nodes = sorted(T)
    chunks = [nodes[i::parts] for i in range(parts)]
    if parts > 1:
        connections.close_all()  # the children never use the database
        with fork_pool(parts) as pool:
            raw = list(pool.map(_reference_part, chunks))
    else:
        raw = [_reference_part(nodes)]
    n = len(nodes)
    scale = 2 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    return {v: math.fsum(r[v] for r in raw) * scale for v in nodes}


def rustworkx_betweenness(T: nx.Graph) -> dict[str, float]:
    """The same exact, normalized betweenness as ``nx.betweenness_centrality(T)``, computed by
    rustworkx (Brandes in Rust, on every core): the reference where networkx takes hours."""
    import rustworkx

    nodes = sorted(T)
    index = {v: i for i, v in enumerate(nodes)}
    graph = rustworkx.PyGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from_no_data([(index[u], index[v]) for u, v in T.edges()])
    values = rustworkx.betweenness_centrality(graph, normalized=True)
    return {v: values[index[v]] for v in nodes}


REFERENCES = {
    "networkx": networkx_betweenness,
    "rustworkx": lambda T, _workers: rustworkx_betweenness(T),  # on every core by itself
}


def tie_graph(area: Area) -> nx.Graph:
    window = windows.default_window()
    return analysis.build_graphs(collect.scope_data(area, window.start, window.end))[1]


def source_check(T: nx.Graph, sources: int, seed: int) -> dict:
    """The engine's Brandes sums from ``sources`` random sources against networkx's
    (``betweenness_centrality_subset`` from the same sources towards every node): the engine
    checked on the whole graph in minutes, where networkx's full betweenness takes hours."""
    nodes = sorted(T)
    chosen = sorted(random.Random(seed).sample(nodes, min(sources, len(nodes))))
    began = time.perf_counter()
    reference = nx.betweenness_centrality_subset(T, chosen, nodes, normalized=False)
    reference_s = time.perf_counter() - began
    index = {v: i for i, v in enumerate(nodes)}
    graph = igraph.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in T.edges()])
    ours = analysis._dependencies(graph, [index[v] for v in chosen])
    largest = max(reference.values(), default=0.0)
    return {
        "sources": len(chosen),
        "networkx_seconds": reference_s,
        "max_abs_difference": max((abs(ours[index[v]] / 2 - reference[v]) for v in nodes), default=0.0),
        "max_value": largest,
    }


def betweenness_error(
    area: Area, reference_workers: int = 2, say=print, reference: str = "networkx"
) -> dict:
    """The go-between scores of the area's community as snapshots compute them
    (analysis.tie_betweenness) against the exact values of the reference (networkx, or
    rustworkx): the top-10 people in common and the differences, with the time of each."""
    T = tie_graph(area)
    largest = max((len(c) for c in nx.connected_components(T)), default=0)
    began = time.perf_counter()
    ours, estimated = analysis.tie_betweenness(T, seed=snapshots.SEED)
    ours_s = time.perf_counter() - began
    say(
        f"  go-between scores of {T.number_of_nodes()} nodes {'estimated' if estimated else 'exact'} "
        f"in {ours_s:.1f} s; {reference}'s exact ones now"
    )
    began = time.perf_counter()
    exact = REFERENCES[reference](T, reference_workers)
    exact_s = time.perf_counter() - began
    errors = [abs(ours[v] - exact[v]) for v in T]
    top = sorted((-exact[v], v) for v in T if v.startswith("p:"))[:10]
    top_ours = sorted((-ours[v], v) for v in T if v.startswith("p:"))[:10]
    positive = [exact[v] for v in T if exact[v] > 0]
    return {
        "nodes": T.number_of_nodes(),
        "ties": T.number_of_edges(),
        "largest_component": largest,
        "estimated": estimated,
        "pivots": analysis.BETWEENNESS_PIVOTS if estimated else None,
        "seconds": ours_s,
        "reference": reference,
        "reference_seconds": exact_s,
        "reference_processes": reference_workers if reference == "networkx" else None,
        "mean_abs_error": statistics.fmean(errors) if errors else 0.0,
        "max_abs_error": max(errors, default=0.0),
        "mean_exact_value": statistics.fmean(positive) if positive else 0.0,
        "max_exact_value": max(positive, default=0.0),
        "top10_overlap": len({v for _, v in top} & {v for _, v in top_ours}),
        "top10_same_order": [v for _, v in top] == [v for _, v in top_ours],
        "top10_mean_relative_error": statistics.fmean(abs(ours[v] - exact[v]) / exact[v] for _, v in top)
        if top and all(exact[v] > 0 for _, v in top)
        else None,
    }


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


class Command(BaseCommand):
    help = "Benchmark snapshots and report pages on synthetic communities of several sizes."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="1000,5000,20000", help="Comma-separated numbers of people.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--requests", type=int, default=20, help="Requests per page.")
        parser.add_argument(
            "--error-sizes",
            default="5000",
            help="Sizes at which the go-between scores are compared with networkx's exact ones "
            "(comma-separated; empty: never).",
        )
        parser.add_argument(
            "--reference-workers",
            type=int,
            default=analysis.BETWEENNESS_WORKERS,
            help="Processes sharing networkx's exact betweenness (the reference).",
        )
        parser.add_argument(
            "--reference",
            choices=sorted(REFERENCES),
            default="networkx",
            help="Whose exact betweenness the go-between scores are compared with at --error-sizes "
            "(rustworkx: minutes at 20,000 people where networkx takes hours).",
        )
        parser.add_argument(
            "--source-check",
            type=int,
            default=0,
            help="Instead of networkx's full betweenness at --error-sizes, compare the engine's sums "
            "from this many random sources with networkx's from the same sources (minutes, not hours).",
        )
        parser.add_argument(
            "--brokers-only",
            action="store_true",
            help="Only compare the go-between scores with networkx (no snapshots, no pages).",
        )
        parser.add_argument(
            "--process-sizes",
            default="2000",
            help="Sizes at which the whole compute_scores process is timed too (comma-separated).",
        )
        parser.add_argument(
            "--process-runs", type=int, default=3, help="Runs of the whole process at each of those sizes."
        )
        parser.add_argument("--json", dest="json_path", help="Also write the results to this file.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Delete every community record when the database is not empty.",
        )

    def handle(self, *args, sizes, seed, error_sizes, json_path=None, force=False, **options):
        if not synthetic.is_empty() and not force:
            raise CommandError("The database is not empty: use --force to delete every community record.")
        user, _ = get_user_model().objects.get_or_create(
            username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        results = []
        for size in _sizes(sizes):
            synthetic.wipe()
            began = time.perf_counter()
            summary = synthetic.build(size, seed=seed)
            seed_s = time.perf_counter() - began
            district = Area.objects.get(level=AreaLevel.DISTRICT)
            row = {
                "people": size,
                "exchanges": summary.exchanges,
                "groups": summary.groups,
                "seed_seconds": seed_s,
                "load_average_before": os.getloadavg(),
            }
            self.stdout.write(f"== {size} people: seeded in {seed_s:.1f} s ({summary})")
            if not options["brokers_only"]:
                self.snapshots_and_pages(row, district, user, options["requests"])
            if size in _sizes(options["process_sizes"]) and not options["brokers_only"]:
                row["process"] = process = measure_process(district, options["process_runs"])
                self.stdout.write(
                    f"  whole compute_scores process at {size} people: median "
                    f"{process['median_wall_seconds']:.2f} s wall, {process['median_cpu_seconds']:.2f} s CPU "
                    "(user + system, with its workers) "
                    f"over {len(process['runs'])} runs: {process['runs']}"
                )
            if size in _sizes(error_sizes) and options["source_check"]:
                row["source_check"] = source_check(tie_graph(district), options["source_check"], seed)
                self.stdout.write(f"  engine vs networkx from the same sources: {row['source_check']}")
            elif size in _sizes(error_sizes):
                row["betweenness_error"] = error = betweenness_error(
                    district,
                    options["reference_workers"],
                    say=self.stdout.write,
                    reference=options["reference"],
                )
                self.stdout.write(f"  go-between scores vs exact {error['reference']}: {error}")
                self.stdout.write(
                    f"  brokers at {size} people: top-10 in common with exact {error['reference']} "
                    f"{error['top10_overlap']}/10 (same order: {error['top10_same_order']}), "
                    f"{'estimated' if error['estimated'] else 'exact'} in {error['seconds']:.1f} s, "
                    f"{error['reference']} in {error['reference_seconds']:.1f} s, "
                    f"largest difference {error['max_abs_error']:.1e}"
                )
            row["load_average_after"] = os.getloadavg()
            results.append(row)
        if json_path:
            with open(json_path, "w", encoding="utf-8") as handle:
                json.dump(results, handle, indent=2, default=str)
        self.stdout.write(self.style.SUCCESS("done"))

    def snapshots_and_pages(self, row: dict, district: Area, user, requests: int) -> None:
        village = Area.objects.filter(level=AreaLevel.VILLAGE).order_by("ref").first()
        row["district"] = measure_snapshot(district)
        self.stdout.write(f"  district snapshot: {row['district']}")
        if village is not None:
            row["village"] = measure_snapshot(village)
            self.stdout.write(f"  village snapshot:  {row['village']}")
        group = (
            Group.objects.filter(area=village, scores__snapshot__area=district)  # computed with its district
            .annotate(n=Count("memberships"))
            .order_by("-n", "ref")
            .first()
        )
        row["reads"] = read_timings(district, group, requests)
        self.stdout.write(f"  snapshot reads (latest_snapshot + group_score): {row['reads']}")
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        try:
            pages = {
                "dashboard (district)": reverse("groups:report_dashboard", args=[district.ref]),
                "dashboard (village)": reverse("groups:report_dashboard", args=[village.ref]),
                "group report": reverse("groups:report_group", args=[group.ref]),
            }
        except NoReverseMatch:
            pages = {}
            self.stdout.write("  report pages not found: only snapshot reads measured")
        row["pages"] = {}
        for name, url in pages.items():
            row["pages"][name] = timings(client, url, requests)
            self.stdout.write(f"  {name} {url}: {row['pages'][name]}")
        row["group_scores"] = GroupScore.objects.filter(snapshot__area=district).count()
