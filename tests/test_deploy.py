"""The container and compose file: what `docker compose up` starts, and in which order."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """compose.yaml as Docker Compose reads it (anchors and merge keys resolved)."""
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    """The compose file's services."""
    return compose["services"]


def test_compose_runs_postgres_migrate_two_replicas_and_a_proxy(services: dict[str, Any]) -> None:
    assert set(services) == {"postgres", "migrate", "serve", "proxy"}
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["serve"]["command"][:1] == ["serve"]
    assert services["serve"]["deploy"]["replicas"] == 2
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["proxy"]["image"].startswith("nginx:")


def test_the_replicas_wait_for_a_successful_migration(services: dict[str, Any]) -> None:
    serve = services["serve"]["depends_on"]
    assert serve["migrate"] == {"condition": "service_completed_successfully"}
    assert serve["postgres"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["proxy"]["depends_on"]["serve"] == {"condition": "service_healthy"}


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    serve_check = " ".join(services["serve"]["healthcheck"]["test"])
    port = services["serve"]["command"][services["serve"]["command"].index("--port") + 1]
    assert f"http://127.0.0.1:{port}/healthz" in serve_check
    assert "/nginx-health" in " ".join(services["proxy"]["healthcheck"]["test"])
    for name in ("postgres", "serve", "proxy"):
        assert services[name]["restart"] == "unless-stopped"


def test_settings_come_from_env_and_the_database_is_the_compose_postgres(
    services: dict[str, Any], compose: dict[str, Any]
) -> None:
    for name in ("migrate", "serve"):
        assert services[name]["env_file"] == ".env"
        url = services[name]["environment"]["DATABASE_URL"]
        assert re.fullmatch(
            r"postgresql://leadloop:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/leadloop", url
        )
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "pgdata" in compose["volumes"]
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for variable in set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text())):
        assert variable in example, f"{variable} is used by compose.yaml but not in .env.example"


def test_one_port_balances_over_the_replicas(services: dict[str, Any]) -> None:
    assert services["proxy"]["ports"] == ["${LEADLOOP_PORT:-3000}:8080"]
    assert "ports" not in services["serve"]
    mount = services["proxy"]["volumes"][0].split(":")
    nginx = (ROOT / mount[0]).read_text(encoding="utf-8")
    port = services["serve"]["command"][services["serve"]["command"].index("--port") + 1]
    # `resolve` follows the replicas' addresses as Docker's DNS gives them.
    assert re.search(rf"server serve:{port} resolve\b", nginx)
    assert "listen 8080;" in nginx
    assert re.search(r"location = /metrics \{\s*return 404;", nginx)


def test_the_image_runs_leadloop_as_a_user_without_privileges() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert user and user[-1] not in {"root", "0"}
    assert 'ENTRYPOINT ["leadloop"]' in dockerfile
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :]
    assert "http://127.0.0.1:3000/healthz" in healthcheck.split("\n\n")[0]


def test_the_image_holds_every_package_leadloop_installs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        name = pattern.removesuffix("*")
        assert f"COPY {name} ./{name}" in dockerfile
        assert f"!{name}/" in (ROOT / ".dockerignore").read_text(encoding="utf-8")
