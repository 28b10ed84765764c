"""deploy/kubernetes checked against the code, without a cluster.

The kustomizations are resolved in Python (`tests.support.kustomize`; where kubectl is installed, a
test finds the same objects in ``kubectl kustomize``). Then each workload is held against what the
code says: the port in its settings class, the probes against the routes of its app built from the
settings the pod would read, every variable it is given against the names its settings classes read,
the database URL against the CloudNativePG cluster and databases, the KafkaTopics against
`deploy.kafka.topics.plan_topics`, the image and command against deploy/Dockerfile, and what
docker-compose.yml sets. The checks return the problems they find; broken copies show that each
finds what it is meant to.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url

from deploy.front_door import FrontDoorSettings
from deploy.front_door import create_app as front_door_app
from deploy.kafka.local import KAFKA_VERSION
from deploy.kafka.topics import plan_topics
from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from shared.settings import ServiceSettings, TopicSettings
from shared.topics import Topics
from tests.support import kustomize
from tests.support.kustomize import Manifest

REPO_ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = REPO_ROOT / "deploy" / "kubernetes"
BUILDS = {"base": KUBERNETES / "base", "production": KUBERNETES / "overlays" / "production"}
DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
COMPOSE = REPO_ROOT / "docker-compose.yml"

SERVICES: dict[str, tuple[Callable[[Any], FastAPI], type[ServiceSettings]]] = {
    "intake": (intake_app, IntakeSettings),
    "routing": (routing_app, RoutingSettings),
    "tracking": (tracking_app, TrackingSettings),
    "publishing": (publishing_app, PublishingSettings),
}
FRONT_DOOR = "front-door"
TMP = "/tmp"  # noqa: S108 - the emptyDir a read-only root filesystem needs
WORKLOADS: dict[str, type[BaseSettings]] = {
    **{name: settings for name, (_, settings) in SERVICES.items()},
    FRONT_DOOR: FrontDoorSettings,
}
SERVICE_PROBES = {"startup": "/health/live", "liveness": "/health/live", "readiness": "/health/ready"}
PROBES = {
    **{name: SERVICE_PROBES for name in SERVICES},
    FRONT_DOOR: {"liveness": "/front-door/health", "readiness": "/front-door/health"},
}
"""The probes each workload must have, and the path each must ask."""


# --- reading the builds, the Dockerfile and compose ---------------------------------------------------


@functools.cache
def _built(build: str) -> tuple[Manifest, ...]:
    return tuple(kustomize.build(BUILDS[build]))


def manifests(build: str) -> list[Manifest]:
    """A fresh copy, so no test changes what another sees."""
    return copy.deepcopy(list(_built(build)))


def objects(found: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in found if m["kind"] == kind}


def the(found: list[Manifest], kind: str) -> Manifest:
    (only,) = objects(found, kind).values()
    return only


def container_of(deployment: Manifest) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert isinstance(container, dict)
    return container


@functools.cache
def dockerfile() -> dict[str, list[str]]:
    """Each instruction's arguments, continuation lines joined (``ENV`` and ``RUN`` each a list)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            instructions.setdefault(word.upper(), []).append(rest.strip())
    return instructions


def image_env() -> dict[str, str]:
    """What the image's ``ENV`` lines set (every pod starts with it)."""
    env = {}
    for line in dockerfile().get("ENV", []):
        for pair in shlex.split(line):
            name, _, value = pair.partition("=")
            env[name] = value
    return env


@functools.cache
def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def compose_env(service: str) -> dict[str, str]:
    env = _compose()["services"][service].get("environment", {})
    return {str(key): str(value) for key, value in env.items()}


# --- what the code reads --------------------------------------------------------------------------


def setting_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable ``settings`` reads (upper case: pydantic-settings ignores case),
    those of the settings classes it is made of included (``KafkaSecurity``'s ``KAFKA_*``)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, info in settings.model_fields.items():
        alias = info.validation_alias or info.alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        else:
            names.add(f"{prefix}{field_name}".upper())
        for part in (info.annotation, *typing.get_args(info.annotation)):
            if isinstance(part, type) and issubclass(part, BaseSettings):
                names |= setting_names(part)
    return names


def required_names(settings: type[BaseSettings]) -> set[str]:
    """The variables of the settings that have no default."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {
        str(info.validation_alias or f"{prefix}{name}").upper()
        for name, info in settings.model_fields.items()
        if info.is_required()
    }


def default_port(name: str) -> int:
    port: int = WORKLOADS[name].model_fields["port"].default
    return port


def placeholder(secret: str, key: str) -> str:
    """A stand-in for a secret's value: not a development default, and safe in a URL."""
    return hashlib.sha256(f"{secret}/{key}".encode()).hexdigest()


def container_env(found: list[Manifest], deployment: Manifest) -> dict[str, str]:
    """The variables the container's spec gives it, as the kubelet would: ``envFrom`` first, then
    ``env`` in order with ``$(NAME)`` expanded; secrets by `placeholder`."""
    container = container_of(deployment)
    config_maps = objects(found, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, f"envFrom other than a ConfigMap: {source}"
        env |= {k: str(v) for k, v in config_maps[source["configMapRef"]["name"]]["data"].items()}
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), str(variable["value"])
            )
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = placeholder(ref["name"], ref["key"])
    return env


def pod_env(found: list[Manifest], deployment: Manifest) -> dict[str, str]:
    return {**image_env(), **container_env(found, deployment)}


def get_routes(app: Any) -> set[str]:
    return {
        context.path
        for context in iter_route_contexts(app.routes)
        if context.path and "GET" in (context.methods or ())
    }


def topic_settings(found: list[Manifest]) -> TopicSettings:
    """The plan's settings for this Kafka: one replica per node, its min.insync.replicas."""
    pool = the(found, "KafkaNodePool")
    kafka = the(found, "Kafka")
    return TopicSettings(
        replication_factor=pool["spec"]["replicas"],
        min_insync_replicas=int(kafka["spec"]["kafka"]["config"]["min.insync.replicas"]),
    )


# --- the checks: each returns the problems it finds --------------------------------------------------


def workload_problems(found: list[Manifest], name: str, port: int, routes: set[str]) -> list[str]:
    """A Deployment and a Service named ``name``, on ``port``, with the probes `PROBES` names on it,
    each a GET route of the app (``routes``)."""
    deployment, service = objects(found, "Deployment").get(name), objects(found, "Service").get(name)
    if deployment is None or service is None:
        return [f"{name}: Deployment {deployment is not None}, Service {service is not None}"]
    problems = []
    pod = deployment["spec"]["template"]
    container = container_of(deployment)
    ports = {p.get("name", ""): p["containerPort"] for p in container.get("ports", [])}
    if list(ports.values()) != [port]:
        problems.append(f"{name}: container ports {ports}, its settings' port is {port}")
    labels = pod["metadata"]["labels"]
    for selector, owner in (
        (deployment["spec"]["selector"]["matchLabels"], "Deployment"),
        (service["spec"]["selector"], "Service"),
    ):
        if not selector.items() <= labels.items():
            problems.append(f"{name}: the {owner}'s selector {selector} misses the pods {labels}")
    for service_port in service["spec"]["ports"]:
        target = ports.get(service_port["targetPort"], service_port["targetPort"])
        if (service_port["port"], target) != (port, port):
            problems.append(f"{name}: the Service maps {service_port['port']} → {target}, not {port}")
    for kind, path in PROBES[name].items():
        probe = container.get(f"{kind}Probe", {}).get("httpGet", {})
        probe_port = ports.get(probe.get("port"), probe.get("port"))
        if (probe.get("path"), probe_port) != (path, port):
            problems.append(
                f"{name}: {kind} probe asks {probe.get('path')} on {probe_port}, not {path} on {port}"
            )
        if path not in routes:
            problems.append(f"{name}: {kind} probe path {path} is no GET route of its app")
    extra = {f"{kind.removesuffix('Probe')}" for kind in container if kind.endswith("Probe")} - set(
        PROBES[name]
    )
    if extra:
        problems.append(f"{name}: probes {sorted(extra)} that nobody checks")
    if pod["spec"].get("enableServiceLinks") is not False:
        # Kubernetes would set <SERVICE>_PORT=tcp://… for each Service: the very names of settings.
        problems.append(f"{name}: enableServiceLinks is not false")
    return problems


def env_problems(found: list[Manifest], name: str, accepted: set[str]) -> list[str]:
    """Every variable the container is given is a setting it reads, or feeds one as ``$(NAME)``."""
    deployment = objects(found, "Deployment")[name]
    container = container_of(deployment)
    given = set(container_env(found, deployment))
    expanded = {
        m for var in container.get("env", []) for m in re.findall(r"\$\((\w+)\)", str(var.get("value", "")))
    }
    return [
        f"{name}: {variable} is not a setting of {name}"
        for variable in sorted(given)
        if variable.upper() not in accepted and variable not in expanded
    ]


def topic_problems(found: list[Manifest]) -> list[str]:
    """The KafkaTopics are exactly the topics `plan_topics` plans, on this Kafka."""
    kafka = the(found, "Kafka")["metadata"]["name"]
    try:
        settings = topic_settings(found)
    except ValueError as error:  # pydantic's ValidationError
        return [f"no topic plan fits Kafka {kafka}: {error}"]
    wanted = {
        plan.name: (plan.partitions, plan.replication_factor, plan.configs)
        for plan in plan_topics(Topics(), settings)
    }
    declared = {
        topic.get("spec", {}).get("topicName", name): (
            topic["spec"].get("partitions"),
            topic["spec"].get("replicas"),
            {key: str(value) for key, value in topic["spec"].get("config", {}).items()},
        )
        for name, topic in objects(found, "KafkaTopic").items()
    }
    problems = [
        f"{name}: declared {declared.get(name)}, planned {wanted.get(name)}"
        for name in sorted(set(wanted) | set(declared))
        if declared.get(name) != wanted.get(name)
    ]
    problems += [
        f"{name}: belongs to Kafka {topic['metadata']['labels'].get('strimzi.io/cluster')}, not {kafka}"
        for name, topic in objects(found, "KafkaTopic").items()
        if topic["metadata"].get("labels", {}).get("strimzi.io/cluster") != kafka
    ]
    return problems


# --- the files -------------------------------------------------------------------------------------


def kustomization_dirs() -> list[Path]:
    return sorted(path.parent for path in KUBERNETES.rglob("kustomization.yaml"))


def test_every_file_listed_exists_and_every_manifest_is_listed() -> None:
    found = [directory.relative_to(KUBERNETES) for directory in kustomization_dirs()]
    assert found == [path.relative_to(KUBERNETES) for path in BUILDS.values()], "each in BUILDS, checked"
    for directory in kustomization_dirs():
        kustomization = kustomize.Kustomization.read(directory)
        listed = [*kustomization.resource_paths, *kustomization.patch_paths]
        for path in listed:
            there = path.is_file() or (path / "kustomization.yaml").is_file()
            assert there, f"{directory.name} lists {path.name}, which is not there"
        written = {path for path in directory.glob("*.yaml") if path.name != "kustomization.yaml"}
        unlisted = sorted(path.name for path in written - set(listed))
        assert unlisted == [], f"{directory.name}: in no kustomization"


def test_secrets_come_from_files_kept_out_of_git() -> None:
    """No Secret is written in the manifests; each generator's env file is ignored by git and shown
    by its example, which names the keys the pods take."""
    for path in KUBERNETES.rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert not (document and document.get("kind") == "Secret"), f"{path} writes a Secret"
    production = kustomize.Kustomization.read(BUILDS["production"])
    for path in production.generator_files:
        assert path.with_name(path.name + ".example").is_file(), f"no example of {path.name}"
        ignored = (path.parent / ".gitignore").read_text(encoding="utf-8").split()
        assert any(Path(path.name).match(pattern) for pattern in ignored), f"{path.name} is not ignored"
    found = manifests("production")
    secrets = objects(found, "Secret")
    for deployment in objects(found, "Deployment").values():
        for variable in container_of(deployment).get("env", []):
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secrets[ref["name"]]["data"], f"{ref} is generated by nothing"
    for role in the(found, "Cluster")["spec"]["managed"]["roles"]:
        secret = secrets[role["passwordSecret"]["name"]]
        assert secret["type"] == "kubernetes.io/basic-auth"
        assert set(secret["data"]) == {"username", "password"}
        assert base64.b64decode(secret["data"]["username"]).decode() == role["name"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_builds_the_same_objects(tmp_path: Path) -> None:
    copied = tmp_path / "kubernetes"
    shutil.copytree(KUBERNETES, copied)
    for example in copied.rglob("*.example"):
        shutil.copy(example, example.with_suffix(""))
    for build, directory in BUILDS.items():
        target = copied / directory.relative_to(KUBERNETES)
        printed = subprocess.run(
            ["kubectl", "kustomize", str(target)], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        by_kubectl = {kustomize.manifest_key(m): m for m in yaml.safe_load_all(printed) if m}
        ours = {kustomize.manifest_key(m): m for m in kustomize.build(target, secrets_from_examples=False)}
        assert ours == by_kubectl, build


# --- the workloads ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=list(BUILDS))
def build(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@dataclass(frozen=True)
class Running:
    """A workload as its pod would run it: settings read from exactly the pod's environment, and
    its app built from them (not started)."""

    settings: Any
    routes: frozenset[str]
    """The app's GET routes."""
    consumed: tuple[str, ...]
    """The topic of each of its consumer groups."""


@functools.cache
def running(build: str, name: str) -> Running:
    found = manifests(build)
    with mock.patch.dict(os.environ, pod_env(found, objects(found, "Deployment")[name]), clear=True):
        settings: Any = WORKLOADS[name]()
        if name == FRONT_DOOR:
            return Running(settings, frozenset(get_routes(front_door_app(settings))), ())
        create, _ = SERVICES[name]
        app = create(settings)
        consumed = tuple(consumer.topic for consumer in app.state.runtime.consumers)
        return Running(settings, frozenset(get_routes(app)), consumed)


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_each_workload_serves_its_port_with_probes_on_its_health_routes(build: str, name: str) -> None:
    port = default_port(name)
    assert workload_problems(manifests(build), name, port, set(running(build, name).routes)) == []


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_every_variable_a_workload_is_given_is_one_of_its_settings(build: str, name: str) -> None:
    assert env_problems(manifests(build), name, setting_names(WORKLOADS[name])) == []
    given = {
        variable.upper()
        for variable in container_env(manifests(build), objects(manifests(build), "Deployment")[name])
    }
    assert required_names(WORKLOADS[name]) <= given


@pytest.mark.parametrize("name", list(SERVICES))
def test_each_service_reads_production_settings_reaching_kafka_and_its_own_database(
    build: str, name: str
) -> None:
    found = manifests(build)
    settings = running(build, name).settings
    assert settings.environment == "production"
    assert settings.jwt_secret is not None
    assert settings.key_secret is not None
    assert (settings.host, settings.port) == ("0.0.0.0", default_port(name))
    assert str(settings.data_dir) == image_env()["CIVIC_DATA_DIR"]
    mounts = {
        m["mountPath"] for m in container_of(objects(found, "Deployment")[name]).get("volumeMounts", [])
    }
    assert {str(settings.data_dir), TMP} <= mounts, "a read-only root needs its data folder and /tmp"

    kafka = the(found, "Kafka")
    (plain,) = [listener for listener in kafka["spec"]["kafka"]["listeners"] if listener["tls"] is False]
    assert settings.kafka_bootstrap_servers == f"{kafka['metadata']['name']}-kafka-bootstrap:{plain['port']}"

    # Never SQLite: a pod's files die with it, and two pods would have two databases.
    assert settings.database_url is not None
    url = make_url(settings.database_url)
    cluster = the(found, "Cluster")
    (database,) = [d for d in objects(found, "Database").values() if d["spec"]["name"] == url.database]
    (role,) = [r for r in cluster["spec"]["managed"]["roles"] if r["name"] == url.username]
    assert (url.drivername, url.host, url.port) == (
        "postgresql+asyncpg",
        f"{cluster['metadata']['name']}-rw",
        5432,
    )
    assert (url.database, url.username) == (name, name), "each service its own database and role"
    assert database["spec"]["owner"] == role["name"]
    assert database["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert (database["spec"]["ensure"], database["spec"]["databaseReclaimPolicy"]) == ("present", "retain")
    assert (role["login"], role["ensure"]) == (True, "present")
    assert url.password == placeholder(role["passwordSecret"]["name"], "password"), "the role's own password"


def test_each_service_has_one_database_and_role_and_nothing_else(build: str) -> None:
    found = manifests(build)
    databases = {(d["spec"]["name"], d["spec"]["owner"]) for d in objects(found, "Database").values()}
    roles = {r["name"] for r in the(found, "Cluster")["spec"]["managed"]["roles"]}
    assert databases == {(name, name) for name in SERVICES}
    assert roles == set(SERVICES)
    compose_postgres = _compose()["services"]["postgres"]["image"]
    assert the(found, "Cluster")["spec"]["imageName"].rsplit(":", 1)[1] == compose_postgres.rsplit(":", 1)[1]


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_docker_compose_and_the_manifests_set_the_same_settings(build: str, name: str) -> None:
    found = manifests(build)
    accepted = setting_names(WORKLOADS[name])
    composed = {key: value for key, value in compose_env(name).items() if key.upper() in accepted}
    given = container_env(found, objects(found, "Deployment")[name])
    assert set(composed) <= set(given), f"compose sets {sorted(set(composed) - set(given))}"
    for key in composed:
        if key.endswith(("_HOST", "_PORT")) or key in {"CIVIC_ENV", "CIVIC_DATA_DIR"}:
            assert given[key] == composed[key], key


def test_the_front_door_reaches_each_service_through_its_service(build: str) -> None:
    found = manifests(build)
    settings = running(build, FRONT_DOOR).settings
    services = objects(found, "Service")
    for name, url in settings.upstreams().items():
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname) == ("http", name)
        assert parts.port == services[name]["spec"]["ports"][0]["port"]
    assert (settings.host, settings.port) == ("0.0.0.0", default_port(FRONT_DOOR))


def test_only_the_front_door_reaches_intake(build: str) -> None:
    """Intake trusts X-Forwarded-For from the pod network: nothing else may reach it to forge it."""
    found = manifests(build)
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"] for name, d in objects(found, "Deployment").items()
    }
    (policy,) = [
        policy
        for policy in objects(found, "NetworkPolicy").values()
        if policy["spec"]["podSelector"]["matchLabels"].items() <= pods["intake"].items()
    ]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    (source,) = rule["from"]
    assert set(source) == {"podSelector"}
    allowed = [
        name
        for name, labels in pods.items()
        if source["podSelector"]["matchLabels"].items() <= labels.items()
    ]
    assert allowed == [FRONT_DOOR]
    assert [p["port"] for p in rule["ports"]] == [default_port("intake")]
    settings = running(build, "intake").settings
    assert settings.trusted_proxies, "intake must count citizens by the address the front door forwards"


# --- the image -------------------------------------------------------------------------------------


def test_every_container_runs_a_module_of_the_image_as_its_user(build: str) -> None:
    """deploy/Dockerfile: no ENTRYPOINT, so ``args`` is the whole command — ``python -m <module>``
    as its CMD is; the module is in a folder the image copies; the user is the one it makes."""
    steps = dockerfile()
    assert "ENTRYPOINT" not in steps
    (cmd,) = steps["CMD"]
    assert json.loads(cmd)[:2] == ["python", "-m"]
    copied = {line.split()[0] for line in steps["COPY"]}
    (user,) = steps["USER"]
    uid = re.search(rf"useradd .*--uid (\d+) .*{user}", " ".join(steps["RUN"]))
    gid = re.search(rf"groupadd .*--gid (\d+) {user}", " ".join(steps["RUN"]))
    assert uid is not None
    assert gid is not None
    found = manifests(build)
    modules = {name: f"services.{name}" for name in SERVICES} | {FRONT_DOOR: "deploy.front_door"}
    images = set()
    for name, module in modules.items():
        deployment = objects(found, "Deployment")[name]
        container = container_of(deployment)
        assert container["args"] == ["python", "-m", module], name
        assert "command" not in container, name
        package = module.split(".")[0]
        assert package in copied, f"the image does not copy {package}/"
        source = REPO_ROOT.joinpath(*module.split("."))
        assert (source / "__main__.py").is_file() or 'if __name__ == "__main__":' in source.with_suffix(
            ".py"
        ).read_text(encoding="utf-8"), f"{module} cannot be run with -m"
        security = deployment["spec"]["template"]["spec"]["securityContext"]
        assert (security["runAsNonRoot"], security["runAsUser"], security["runAsGroup"]) == (
            True,
            int(uid.group(1)),
            int(gid.group(1)),
        )
        images.add(container["image"])
    assert len(images) == 1, f"one image for everything: {images}"
    if build == "base":
        assert images == {_compose()["x-app"]["image"]}, "the image compose builds"
    exposed = {int(port) for line in steps["EXPOSE"] for port in line.split()}
    assert {default_port(name) for name in SERVICES} <= exposed


# --- Kafka ---------------------------------------------------------------------------------------


def test_the_topics_are_the_ones_the_code_plans(build: str) -> None:
    assert topic_problems(manifests(build)) == []


def test_kafka_runs_kraft_on_the_tested_version_with_composes_broker_settings(build: str) -> None:
    found = manifests(build)
    kafka, pool = the(found, "Kafka"), the(found, "KafkaNodePool")
    assert kafka["spec"]["kafka"]["version"] == KAFKA_VERSION, "the Kafka the tests run"
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert set(pool["spec"]["roles"]) == {"broker", "controller"}
    broker_env = compose_env("kafka-1")
    assert pool["spec"]["replicas"] == len([s for s in _compose()["services"] if s.startswith("kafka-")])
    config = {key: str(value).lower() for key, value in kafka["spec"]["kafka"]["config"].items()}
    for key, value in config.items():
        assert broker_env[f"KAFKA_{key.upper().replace('.', '_')}"].lower() == value, key
    assert {"min.insync.replicas", "default.replication.factor", "auto.create.topics.enable"} <= set(config)
    topics_job = compose_env("topics")
    settings = topic_settings(found)
    assert (settings.replication_factor, settings.min_insync_replicas) == (
        int(topics_job["CIVIC_TOPICS_REPLICATION_FACTOR"]),
        int(topics_job["CIVIC_TOPICS_MIN_INSYNC_REPLICAS"]),
    ), "the topics compose makes"


# --- how far instances go --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SERVICES))
def test_no_service_runs_more_instances_than_its_consumers_can_share(build: str, name: str) -> None:
    """A consumer group shares a topic's partitions among its members: past the largest partition
    count of the topics a service reads, its further instances take no events."""
    found = manifests(build)
    partitions = {topic: spec["spec"]["partitions"] for topic, spec in objects(found, "KafkaTopic").items()}
    most = max(partitions[topic] for topic in running(build, name).consumed)
    assert 1 <= objects(found, "Deployment")[name]["spec"]["replicas"] <= most


# --- the checks find what they are meant to ------------------------------------------------------


def _deployment(found: list[Manifest], name: str) -> dict[str, Any]:
    return objects(found, "Deployment")[name]


BROKEN: dict[str, tuple[Callable[[list[Manifest]], object], Callable[[list[Manifest]], list[str]]]] = {
    "readiness probe path": (
        lambda f: container_of(_deployment(f, "tracking"))["readinessProbe"]["httpGet"].update(
            path="/health"
        ),
        lambda f: workload_problems(f, "tracking", 8003, {"/health", "/health/live", "/health/ready"}),
    ),
    "probe port": (
        lambda f: container_of(_deployment(f, "front-door"))["livenessProbe"]["httpGet"].update(port=8001),
        lambda f: workload_problems(f, "front-door", 8000, {"/front-door/health"}),
    ),
    "container port": (
        lambda f: container_of(_deployment(f, "publishing"))["ports"][0].update(containerPort=8080),
        lambda f: workload_problems(f, "publishing", 8004, {"/health/live", "/health/ready"}),
    ),
    "service links on": (
        lambda f: _deployment(f, "intake")["spec"]["template"]["spec"].pop("enableServiceLinks"),
        lambda f: workload_problems(f, "intake", 8001, {"/health/live", "/health/ready"}),
    ),
    "misspelt setting": (
        lambda f: objects(f, "ConfigMap")["civic-routing"]["data"].update(ROUTING_SIMILARITY_TRESHOLD="0.6"),
        lambda f: env_problems(f, "routing", setting_names(RoutingSettings)),
    ),
    "another service's setting": (
        lambda f: objects(f, "ConfigMap")["civic-tracking"]["data"].update(INTAKE_RETENTION_DAYS="30"),
        lambda f: env_problems(f, "tracking", setting_names(TrackingSettings)),
    ),
    "topic partitions": (
        lambda f: objects(f, "KafkaTopic")["case-events"]["spec"].update(partitions=12),
        topic_problems,
    ),
    "topic retention": (
        lambda f: objects(f, "KafkaTopic")["case-keys.dlq"]["spec"]["config"].update(
            {"retention.ms": "604800000"}
        ),
        topic_problems,
    ),
    "a dead-letter topic missing": (
        lambda f: f.remove(objects(f, "KafkaTopic")["calendar-events.dlq"]),
        topic_problems,
    ),
    "a single-node Kafka": (
        lambda f: the(f, "KafkaNodePool")["spec"].update(replicas=1),
        topic_problems,
    ),
    "a single-node Kafka that allows one replica": (
        lambda f: (
            the(f, "KafkaNodePool")["spec"].update(replicas=1),
            the(f, "Kafka")["spec"]["kafka"]["config"].update({"min.insync.replicas": 1}),
        ),
        topic_problems,
    ),
}
"""A change to the production manifests, and the check that must find it."""


@pytest.mark.parametrize("broken", list(BROKEN))
def test_each_check_finds_a_broken_copy(broken: str) -> None:
    breaking, check = BROKEN[broken]
    found = manifests("production")
    assert check(found) == []
    breaking(found)
    assert check(found), f"{broken}: nothing found"


def test_a_probe_on_a_route_the_app_does_not_serve_is_found() -> None:
    problems = workload_problems(manifests("production"), "routing", 8002, {"/health/live"})
    assert problems == ["routing: readiness probe path /health/ready is no GET route of its app"]
