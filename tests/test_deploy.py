"""The settings an installation can give: every variable settings.py reads is listed, with its
default, in .env.example (the list each app server and worker of a deployment is configured
from, deploy/compose.yaml's env_file), and .env.example lists nothing settings.py ignores.
deploy/ itself is checked by scripts/check_deploy.py (with PyYAML, a test dependency), run here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z][A-Z0-9_]*)"')


def read_by_settings() -> set[str]:
    return set(READ.findall((ROOT / "communitymap" / "settings.py").read_text(encoding="utf-8")))


def listed_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def test_every_setting_read_from_the_environment_is_in_env_example_and_no_other():
    read = read_by_settings()
    assert {"DATABASE_URL", "CACHE_URL", "CACHE_KEY_PREFIX", "MEDIA_ROOT", "WORKER_LOST_SECONDS"} <= read
    assert read - listed_in_env_example() == set(), "read by settings.py but not in .env.example"
    assert listed_in_env_example() - read == set(), "in .env.example but never read by settings.py"


def test_the_check_sees_each_way_settings_reads_a_variable():
    """The three ways settings.py reads a variable, also split over lines; a mere string is none."""
    text = 'A = os.environ.get(\n    "ONE", "")\nB = env_bool("TWO")\nC = env_list("THREE", "x")\n'
    text += 'D = "FOUR"\n'
    assert set(READ.findall(text)) == {"ONE", "TWO", "THREE"}


def run_check(deploy: Path) -> tuple[int, str]:
    """scripts/check_deploy.py's main() on the files in `deploy`, and what it printed."""
    import contextlib
    import importlib.util
    import io

    spec = importlib.util.spec_from_file_location("check_deploy", ROOT / "scripts" / "check_deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.DEPLOY = deploy
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = module.main()
    return code, printed.getvalue()


def test_the_compose_file_dockerfile_and_caddyfile_agree_with_the_app():
    code, printed = run_check(ROOT / "deploy")
    assert code == 0, printed
    assert "agree" in printed


def test_the_deploy_check_catches_a_worker_that_runs_the_wrong_command(tmp_path):
    """The check can fail: the same files with the worker's command misspelt are refused."""
    for name in ("compose.yaml", "Dockerfile", "Caddyfile"):
        text = (ROOT / "deploy" / name).read_text(encoding="utf-8")
        if name == "compose.yaml":
            assert "run_worker" in text
            text = text.replace("run_worker", "run_wroker")
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, printed = run_check(tmp_path)
    assert code == 1
    assert "run_worker" in printed
