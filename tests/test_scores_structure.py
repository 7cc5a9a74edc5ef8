"""The shape of the code a newcomer reads: no import cycle inside groups/, and modules and
functions of the scores wing and the views small enough to read top to bottom."""

import ast
from pathlib import Path

import groups

ROOT = Path(groups.__file__).parent
#: The pure analysis is one documented unit (formulas with their sources) and may be longer.
LONG_MODULES_ALLOWED = {"scores/analysis.py", "models.py"}
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80


def module_name(path: Path) -> str:
    parts = ["groups", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    }


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The groups modules `name` imports, at any depth (lazy imports inside functions count)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in known and t != name}
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_of_groups_has_no_cycle():
    modules = sources()
    known = set(modules)
    graph = {name: imports_of(name, path, known) for name, path in modules.items()}
    # a package imports its own modules only through its __init__, which none of ours does
    assert "groups.scores.tasks" in graph["groups.scores.reading"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def wing_files() -> list[Path]:
    return sorted([*(ROOT / "scores").rglob("*.py"), *(ROOT / "views").rglob("*.py")])


def test_no_module_of_groups_is_over_800_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(ROOT)) not in LONG_MODULES_ALLOWED
    }
    assert long == {}


def test_no_function_of_the_wing_or_the_views_is_over_80_lines():
    long = {}
    for path in wing_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.name}"] = length
    assert long == {}


def test_tasks_queued_under_the_old_path_still_run():
    """The queue table stores a task's path; tasks queued before the move name groups.tasks."""
    from django.utils.module_loading import import_string

    from groups.scores.tasks import compute_snapshot_task

    assert import_string("groups.tasks.compute_snapshot_task") is compute_snapshot_task
