"""No function in groups/ runs over 80 lines: one that does no longer reads top to bottom.
Left out: the models, the migrations, and the data builders (the demo and the synthetic
community), which are long lists of facts rather than steps. And no code cites an issue number."""

import ast
import re
from pathlib import Path

MAX_LINES = 80
GROUPS = Path(__file__).resolve().parent.parent / "groups"
LEFT_OUT = {"models.py", "demo.py", "synthetic.py"}


def long_functions(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "migrations" in path.parts or path.name in LEFT_OUT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    found.append(f"{relative}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_groups_is_over_80_lines():
    assert long_functions(GROUPS) == []


def test_the_check_finds_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n")
    (tmp_path / "short.py").write_text("def short():\n    return 1\n")
    assert long_functions(tmp_path) == [f"long.py:1 long ({MAX_LINES + 1} lines)"]


#: "issue" followed by a number, written so that this file does not match itself
ISSUE_NUMBER = re.compile(r"\b[Ii]ssues? +(?:no\.? *)?[0-9]+")
ROOT = GROUPS.parent
CODE = ("groups", "tests", "scripts", "templates", "static/js", "communitymap")


def test_no_code_cites_an_issue_number():
    """A newcomer cannot follow a reference to an issue tracker: code and tests say the rule."""
    found = []
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".js", ".txt", ".sh"} or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ISSUE_NUMBER.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []

