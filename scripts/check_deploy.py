#!/usr/bin/env python3
# ruff: noqa: T201 - a checker that prints what it found
"""Checks deploy/compose.yaml, deploy/Dockerfile and deploy/Caddyfile against each other and
against the app, without Docker (none could be run where they were written):

- the Compose file parses and has the six services (db, redis, migrate, app, worker, caddy);
- every variable the app containers are given is a setting listed in .env.example;
- DATABASE_URL names the db service with its database, user and password; CACHE_URL the redis
  service; MEDIA_ROOT is a volume every app server and worker mounts;
- the commands are the app's: gunicorn communitymap.wsgi on the port Caddy proxies to and the
  Dockerfile exposes, `manage.py run_worker`, `manage.py migrate`; the health checks ask /healthz;
- the Dockerfile's Python is the one pyproject.toml requires and it installs requirements.lock
  and the fonts groups/fonts.py reads.

    make check-deploy        (.venv/bin/python scripts/check_deploy.py; PyYAML is a test
                             dependency; tests/test_deploy.py runs it with make test)

Exits non-zero, listing each problem, when one is found.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

try:
    import yaml
except ImportError:
    sys.exit("check_deploy needs PyYAML (apt install python3-yaml, or pip install pyyaml)")

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVICES = {"db", "redis", "migrate", "app", "worker", "caddy"}
APP_SERVICES = ("migrate", "app", "worker")


def env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)}


def interpolated(value: str, defaults: dict[str, str]) -> str:
    """${NAME:?message} and ${NAME} replaced by an example value (Compose reads them from the shell)."""
    return re.sub(r"\$\{([A-Z_]+)(?::?[?-][^}]*)?\}", lambda m: defaults.get(m.group(1), "x"), value)


def command(service: dict) -> list[str]:
    cmd = service.get("command", [])
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def check_services(compose: dict, problems: list[str]) -> None:
    services = compose.get("services", {})
    if set(services) != SERVICES:
        problems.append(f"services are {sorted(services)}, expected {sorted(SERVICES)}")
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/")) and source not in declared:
                problems.append(f"{name}: volume {source} is not declared under volumes")
        for dependency in service.get("depends_on", {}):
            if dependency not in services:
                problems.append(f"{name}: depends on unknown service {dependency}")


def check_app_environment(compose: dict, problems: list[str]) -> None:
    services, known = compose["services"], env_example()
    db_env = services["db"]["environment"]
    for name in APP_SERVICES:
        service = services[name]
        env = {
            k: interpolated(str(v), {"POSTGRES_PASSWORD": "secret"})
            for k, v in service["environment"].items()
        }
        unknown = set(env) - known
        if unknown:
            problems.append(f"{name}: {sorted(unknown)} not in .env.example")
        if not (DEPLOY / service.get("env_file", "")).name.endswith(".env"):
            problems.append(f"{name}: env_file should be the copy of .env.example (communitymap.env)")
        database = urlsplit(env.get("DATABASE_URL", ""))
        expected = (db_env["POSTGRES_USER"], "secret", "db", "/" + db_env["POSTGRES_DB"])
        if (database.username, database.password, database.hostname, database.path) != expected:
            problems.append(f"{name}: DATABASE_URL does not name the db service's database and user")
        if urlsplit(env.get("CACHE_URL", "")).hostname != "redis":
            problems.append(f"{name}: CACHE_URL does not name the redis service")
        media = env.get("MEDIA_ROOT", "")
        if name != "migrate" and not any(v.split(":")[1:2] == [media] for v in service.get("volumes", [])):
            problems.append(
                f"{name}: MEDIA_ROOT {media!r} is not a mounted volume (shared by app and worker)"
            )


def check_commands(compose: dict, caddyfile: str, dockerfile: str, problems: list[str]) -> None:
    services = compose["services"]
    app = command(services["app"])
    if app[:2] != ["gunicorn", "communitymap.wsgi"]:
        problems.append(f"app: command {app} is not gunicorn communitymap.wsgi")
    bind = app[app.index("--bind") + 1] if "--bind" in app else ""
    port = bind.rsplit(":", 1)[-1]
    if f"reverse_proxy app:{port}" not in caddyfile:
        problems.append(f"Caddyfile does not proxy to app:{port}")
    if f"EXPOSE {port}" not in dockerfile:
        problems.append(f"Dockerfile does not expose {port}")
    if command(services["worker"])[:3] != ["python", "manage.py", "run_worker"]:
        problems.append("worker: command is not python manage.py run_worker")
    if not (ROOT / "groups/management/commands/run_worker.py").is_file():
        problems.append("worker: no run_worker command in groups/management/commands")
    if command(services["migrate"])[:3] != ["python", "manage.py", "migrate"]:
        problems.append("migrate: command is not python manage.py migrate")
    healthz = 'path("healthz"' in (ROOT / "communitymap/urls.py").read_text(encoding="utf-8")
    if not healthz or "/healthz" not in " ".join(services["app"]["healthcheck"]["test"]):
        problems.append("app: the health check does not ask /healthz (or the app has none)")
    if "health_uri /healthz" not in caddyfile or "Host {$DOMAIN}" not in caddyfile:
        problems.append("Caddyfile: no health_uri /healthz asked under the public name (ALLOWED_HOSTS)")
    if "ALLOWED_HOSTS" not in " ".join(services["app"]["healthcheck"]["test"]):
        problems.append("app: the health check's Host is not one of ALLOWED_HOSTS")


def check_dockerfile(dockerfile: str, problems: list[str]) -> None:
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text())
    base = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.MULTILINE)
    if not (required and base and base.group(1) == required.group(1)):
        problems.append("Dockerfile: the base image's Python is not the one pyproject.toml requires")
    if "pip install --no-cache-dir -r requirements.lock" not in dockerfile:
        problems.append("Dockerfile: does not install requirements.lock")
    fonts = (ROOT / "groups/fonts.py").read_text()
    if "dejavu" in fonts and "fonts-dejavu-core" not in dockerfile:
        problems.append("Dockerfile: no fonts-dejavu-core (groups/fonts.py draws with DejaVu Sans)")
    if "collectstatic" not in dockerfile:
        problems.append("Dockerfile: static files are not collected into the image")


def main() -> int:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    problems: list[str] = []
    check_services(compose, problems)
    if not problems:
        check_app_environment(compose, problems)
        check_commands(compose, caddyfile, dockerfile, problems)
    check_dockerfile(dockerfile, problems)
    for problem in problems:
        print(f"deploy: {problem}")
    if not problems:
        print(
            f"deploy: compose.yaml ({', '.join(sorted(compose['services']))}), Dockerfile and Caddyfile agree"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
