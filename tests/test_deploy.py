"""The settings an installation can give: every variable settings.py reads is listed, with its
default, in .env.example (the list each app server and worker of a deployment is configured
from, deploy/compose.yaml's env_file), and .env.example lists nothing settings.py ignores.
deploy/ itself is checked by scripts/check_deploy.py (it needs PyYAML, which the app does not)."""

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
