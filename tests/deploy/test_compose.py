"""Static checks of docker-compose.yml, deploy/Dockerfile and deploy/postgres/init.sql.

There is no Docker engine on the build machines, so `docker compose config` cannot run; instead the
compose file is validated against the Compose Specification's JSON schema (draft-07) kept in
`shared/data/` beside the repository, and the rest is asserted directly.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from deploy.kafka.local import KAFKA_VERSION
from shared.settings import TopicSettings

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "compose-spec.schema.json"
COMPOSE_PATH = REPO_ROOT / "docker-compose.yml"
DOCKERFILE_PATH = REPO_ROOT / "deploy" / "Dockerfile"
INIT_SQL_PATH = REPO_ROOT / "deploy" / "postgres" / "init.sql"

APP_PORTS = {"intake": 8001, "routing": 8002, "tracking": 8003, "publishing": 8004}
ONE_SHOT = {"topics"}


# Plain helpers, not fixtures: a missing or broken file makes the calling test FAIL (never skip or error).
@functools.cache
def load_schema() -> dict[str, Any]:
    assert SCHEMA_PATH.is_file(), f"compose schema missing: {SCHEMA_PATH}"
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    Draft7Validator.check_schema(schema)
    return schema


def validator() -> Draft7Validator:
    return Draft7Validator(load_schema())


@functools.cache
def _load_compose() -> dict[str, Any]:
    assert COMPOSE_PATH.is_file(), f"missing {COMPOSE_PATH}"
    data = yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


def compose() -> dict[str, Any]:
    """A fresh copy, so no test can change what another sees."""
    return copy.deepcopy(_load_compose())


def services() -> dict[str, dict[str, Any]]:
    found = compose().get("services")
    assert isinstance(found, dict)
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    assert isinstance(env, dict)
    return {str(key): str(value) for key, value in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command")
    if isinstance(cmd, str):
        return shlex.split(cmd)
    assert isinstance(cmd, list), f"no command: {service}"
    return [str(part) for part in cmd]


def schema_errors(document: dict[str, Any]) -> list[tuple[list[str | int], str]]:
    return [(list(err.absolute_path), err.message) for err in validator().iter_errors(document)]


# --- the compose file ------------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    errors = schema_errors(compose())
    assert errors == []


@pytest.mark.parametrize(
    ("path", "bad_value", "error_at"),
    [
        (["services", "intake", "ports"], 8001, ["services", "intake", "ports"]),
        (
            ["services", "intake", "depends_on", "topics", "condition"],
            "service_done",
            ["services", "intake", "depends_on"],
        ),
        (["services", "postgres", "healthcheck", "intervall"], "5s", ["services", "postgres", "healthcheck"]),
        (["services", "kafka-1", "volumes"], "kafka-1-data:/data", ["services", "kafka-1", "volumes"]),
        (["servces"], {}, []),
    ],
    ids=["ports-as-number", "unknown-condition", "misspelt-key", "volumes-as-string", "unknown-top-level"],
)
def test_broken_copies_fail_schema_validation(
    path: list[str], bad_value: object, error_at: list[str]
) -> None:
    broken = compose()
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad_value

    errors = schema_errors(broken)

    assert errors, f"setting {'.'.join(path)} = {bad_value!r} should break the schema"
    assert any(err_path[: len(error_at)] == error_at for err_path, _ in errors), errors


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in services().items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck")
        assert isinstance(check, dict), f"{name} has no healthcheck"
        assert check.get("disable") is not True, f"{name} disables its healthcheck"
        test = check.get("test")
        assert isinstance(test, list), f"{name}: healthcheck test should be a list"
        assert test[0] in {"CMD", "CMD-SHELL"}, f"{name}: healthcheck test must run something"


KAFKA_NODES = ("kafka-1", "kafka-2", "kafka-3")
BOOTSTRAP = "kafka-1:9092,kafka-2:9092,kafka-3:9092"


def test_the_expected_services_are_there() -> None:
    assert set(services()) == {*KAFKA_NODES, "postgres", "topics", *APP_PORTS, "front-door"}


def test_the_front_door_reaches_each_service_and_is_the_proxy_intake_trusts() -> None:
    door = services()["front-door"]
    assert command(door) == ["python", "-m", "deploy.front_door"]
    assert door["ports"] == ["127.0.0.1:8000:8000"]
    env = environment(door)
    for name, port in APP_PORTS.items():
        assert env[f"FRONT_DOOR_{name.upper()}_URL"] == f"http://{name}:{port}"
        assert door["depends_on"][name]["condition"] == "service_healthy"
    address = door["networks"]["default"]["ipv4_address"]
    assert json.loads(environment(services()["intake"])["INTAKE_TRUSTED_PROXIES"]) == [address]
    assert "/front-door/health" in door["healthcheck"]["test"][3]


def test_named_volumes_hold_kafka_and_postgres_data() -> None:
    doc = compose()
    assert {"kafka-1-data", "kafka-2-data", "kafka-3-data", "postgres-data"} <= set(doc.get("volumes") or {})
    svc = services()
    for node in KAFKA_NODES:
        assert f"{node}-data:/var/lib/kafka/data" in svc[node]["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in svc["postgres"]["volumes"]


@pytest.mark.parametrize(("node_id", "node"), list(enumerate(KAFKA_NODES, start=1)))
def test_kafka_runs_a_three_node_kraft_cluster_from_the_official_image(node_id: int, node: str) -> None:
    kafka = services()[node]
    assert kafka["image"] == f"apache/kafka:{KAFKA_VERSION}", "compose runs the Kafka the tests run"
    env = environment(kafka)
    assert env["KAFKA_NODE_ID"] == str(node_id)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert set(env["KAFKA_LISTENERS"].split(",")) == {"PLAINTEXT://:9092", "CONTROLLER://:9093"}
    assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{node}:9092"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"
    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"):
        assert env[key] == "3", key
    assert (env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("2", "2")
    assert env["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert "kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092" in " ".join(
        kafka["healthcheck"]["test"]
    )


def test_postgres_creates_the_four_databases_at_first_start() -> None:
    postgres = services()["postgres"]
    assert postgres["image"] == "postgres:16"
    assert environment(postgres)["POSTGRES_USER"] == "civic"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    mounts = [m for m in postgres["volumes"] if "/docker-entrypoint-initdb.d/" in m]
    assert len(mounts) == 1
    source = mounts[0].split(":", 1)[0]
    assert (REPO_ROOT / source).resolve() == INIT_SQL_PATH

    sql = INIT_SQL_PATH.read_text(encoding="utf-8")
    created = re.findall(r"CREATE\s+DATABASE\s+(\w+)\s+OWNER\s+civic\s*;", sql, flags=re.IGNORECASE)
    assert sorted(created) == sorted(APP_PORTS)


def test_topics_is_a_one_shot_job_after_kafka_is_healthy() -> None:
    topics = services()["topics"]
    assert command(topics) == ["civic", "topics", "alter", "--wait", "120"]
    assert topics["image"] == "civic-channels:latest"
    assert {node: topics["depends_on"][node]["condition"] for node in KAFKA_NODES} == dict.fromkeys(
        KAFKA_NODES, "service_healthy"
    )
    assert topics.get("restart", "no") == "no"
    assert "ports" not in topics
    env = environment(topics)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == BOOTSTRAP
    settings = TopicSettings.model_validate(
        {k.removeprefix("CIVIC_TOPICS_").lower(): v for k, v in env.items() if k.startswith("CIVIC_TOPICS_")}
    )
    assert (settings.replication_factor, settings.min_insync_replicas, settings.retention_ms) == (3, 2, -1)


@pytest.mark.parametrize("name", sorted(APP_PORTS))
def test_app_service(name: str) -> None:
    service = services()[name]
    prefix = name.upper()
    port = APP_PORTS[name]

    assert command(service) == ["python", "-m", f"services.{name}"]
    assert service["image"] == "civic-channels:latest"
    assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}

    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]

    env = environment(service)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == BOOTSTRAP
    assert env["CIVIC_JWT_SECRET"].startswith("${CIVIC_JWT_SECRET:?"), "the JWT secret must be required"
    assert env["CIVIC_KEY_SECRET"].startswith("${CIVIC_KEY_SECRET:?"), "the key secret must be required"
    assert env["CIVIC_ENV"] == "production"
    assert env["CIVIC_DATA_DIR"]
    assert env[f"{prefix}_HOST"] == "0.0.0.0"
    assert env[f"{prefix}_PORT"] == str(port)
    url = env[f"{prefix}_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://civic:"), url
    assert url.endswith(f"@postgres:5432/{name}"), url

    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"

    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], "slim images have no curl: check with python's urllib"
    assert f"http://127.0.0.1:{port}/health" in test[3]
    assert "urllib.request" in test[3]


def test_no_port_is_published_beyond_loopback() -> None:
    for name, service in services().items():
        for mapping in service.get("ports", []):
            assert isinstance(mapping, str), f"{name}: use the short '127.0.0.1:host:container' form"
            assert mapping.startswith("127.0.0.1:"), f"{name} publishes {mapping} on every interface"


def test_every_image_built_here_comes_from_the_same_dockerfile() -> None:
    for name, service in services().items():
        build = service.get("build")
        if build is None:
            continue
        assert service["image"] == "civic-channels:latest", name
        context = REPO_ROOT / build["context"]
        assert context.resolve() == REPO_ROOT, name
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE_PATH, name


# --- the Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    assert DOCKERFILE_PATH.is_file(), f"missing {DOCKERFILE_PATH}"
    text = DOCKERFILE_PATH.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def test_dockerfile_copies_only_files_that_exist() -> None:
    copies = [rest for keyword, rest in dockerfile_instructions() if keyword in {"COPY", "ADD"}]
    assert copies
    sources: list[str] = []
    for rest in copies:
        parts = [p for p in shlex.split(rest) if not p.startswith("--")]
        assert len(parts) >= 2, rest
        sources.extend(parts[:-1])
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the build context"
    assert {"pyproject.toml", "uv.lock"} <= set(sources)
    assert {"shared", "services", "deploy"} <= {s.rstrip("/") for s in sources}


def test_dockerfile_installs_locked_dependencies_before_the_source() -> None:
    steps = dockerfile_instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [(i, rest) for i, (keyword, rest) in enumerate(steps) if keyword == "RUN"]
    deps = [i for i, rest in runs if "uv sync --frozen --no-dev --no-install-project" in rest]
    project = [i for i, rest in runs if re.search(r"uv sync --frozen --no-dev\s*$", rest)]
    lock_copy = [i for i, (kw, rest) in enumerate(steps) if kw == "COPY" and "uv.lock" in rest]
    source_copy = [i for i, (kw, rest) in enumerate(steps) if kw == "COPY" and "services" in rest]
    assert deps, "install the locked dependencies alone first"
    assert project, "then install the project"
    assert lock_copy, "copy uv.lock"
    assert source_copy, "copy the source"
    assert lock_copy[0] < deps[0] < source_copy[0] < project[0]
    assert any(kw == "RUN" and "pip install" in rest and "uv" in rest for kw, rest in steps)
    assert any(kw == "ENV" and "PATH=/app/.venv/bin:$PATH" in rest for kw, rest in steps)


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
