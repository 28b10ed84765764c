"""What ``kubectl kustomize DIR`` makes of ``deploy/kubernetes``, in Python — no kubectl needed.

Only the Kustomize features those manifests use are resolved: ``resources`` (files and directories),
``namespace``, ``patches`` (strategic merge of a file, by the patched object's kind and name; maps
only), ``replicas``, ``images``, ``secretGenerator`` (``envs``, ``literals``, ``type``, ``options``)
and ``generatorOptions.disableNameSuffixHash``. Any other field, or a list in a patch, is refused
with `Unsupported` — the manifests must not use a feature these checks would silently pass over.
Where kubectl is installed, a test compares the two builds.

A secret generator's env files hold real secrets and stay out of git: by default each is read from
its ``<file>.example`` twin instead (the keys are what matters here).
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Kustomization", "Manifest", "Unsupported", "build", "load_documents", "manifest_key"]

Manifest = dict[str, Any]

SUPPORTED = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "patches",
    "replicas",
    "images",
    "secretGenerator",
    "generatorOptions",
}
CLUSTER_SCOPED = {"Namespace"}


class Unsupported(Exception):
    """A kustomization uses something this resolver does not resolve."""


@dataclass(frozen=True)
class Kustomization:
    """One ``kustomization.yaml`` as written."""

    directory: Path
    fields: dict[str, Any] = field(repr=False)

    @classmethod
    def read(cls, directory: Path) -> Kustomization:
        loaded = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
        assert isinstance(loaded, dict), f"{directory}/kustomization.yaml is not a mapping"
        unknown = set(loaded) - SUPPORTED
        if unknown:
            raise Unsupported(f"{directory}/kustomization.yaml: {sorted(unknown)}")
        return cls(directory, loaded)

    def entries(self, name: str) -> list[Any]:
        value = self.fields.get(name, [])
        assert isinstance(value, list), f"{self.directory}: {name} is not a list"
        return value

    @property
    def resource_paths(self) -> list[Path]:
        return [self.directory / entry for entry in self.entries("resources")]

    @property
    def patch_paths(self) -> list[Path]:
        paths = []
        for patch in self.entries("patches"):
            if set(patch) != {"path"}:
                raise Unsupported(f"{self.directory}: a patch other than a file: {patch}")
            paths.append(self.directory / patch["path"])
        return paths

    @property
    def generator_files(self) -> list[Path]:
        return [
            self.directory / path for gen in self.entries("secretGenerator") for path in gen.get("envs", [])
        ]


def manifest_key(manifest: Manifest) -> tuple[str, str]:
    return manifest["kind"], manifest["metadata"]["name"]


def build(directory: Path, *, secrets_from_examples: bool = True) -> list[Manifest]:
    """The manifests ``kubectl kustomize directory`` would print, in the order the files list them."""
    kustomization = Kustomization.read(directory)
    manifests: list[Manifest] = []
    for path in kustomization.resource_paths:
        if path.is_dir():
            manifests += build(path, secrets_from_examples=secrets_from_examples)
        else:
            manifests += load_documents(path)
    manifests += _generated_secrets(kustomization, secrets_from_examples)
    by_key = {manifest_key(manifest): manifest for manifest in manifests}
    assert len(by_key) == len(manifests), f"{directory}: two objects of one kind and name"
    for path in kustomization.patch_paths:
        for patch in load_documents(path):
            key = manifest_key(patch)
            assert key in by_key, f"{path}: patches {key}, which is not there"
            _merge(by_key[key], patch, where=f"{path}")
    for replicas in kustomization.entries("replicas"):
        target = by_key.get(("Deployment", replicas["name"]))
        assert target is not None, f"{directory}: replicas of {replicas['name']}, which is no Deployment"
        target["spec"]["replicas"] = replicas["count"]
    for image in kustomization.entries("images"):
        _set_image(manifests, image)
    namespace = kustomization.fields.get("namespace")
    if namespace:
        for manifest in manifests:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest["metadata"]["namespace"] = namespace
    return manifests


def load_documents(path: Path) -> list[Manifest]:
    documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    for doc in documents:
        assert isinstance(doc, dict), f"{path}: {doc}"
        assert {"apiVersion", "kind", "metadata"} <= set(doc), f"{path}: {doc}"
    return documents


def _generated_secrets(kustomization: Kustomization, from_examples: bool) -> list[Manifest]:
    generators = kustomization.entries("secretGenerator")
    if generators and not kustomization.fields.get("generatorOptions", {}).get("disableNameSuffixHash"):
        raise Unsupported(f"{kustomization.directory}: generated names with a hash suffix")
    secrets = []
    for generator in generators:
        if set(generator) - {"name", "type", "envs", "literals", "options"}:
            raise Unsupported(f"{kustomization.directory}: secretGenerator {generator}")
        data: dict[str, str] = {}
        for literal in generator.get("literals", []):
            key, _, value = literal.partition("=")
            data[key] = value
        for env in generator.get("envs", []):
            path = kustomization.directory / env
            data |= _env_file(path.with_name(path.name + ".example") if from_examples else path)
        metadata: dict[str, Any] = {"name": generator["name"]}
        labels = generator.get("options", {}).get("labels")
        if labels:
            metadata["labels"] = dict(labels)
        secrets.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata,
                "type": generator.get("type", "Opaque"),
                "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()},
            }
        )
    return secrets


def _env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def _merge(target: dict[str, Any], patch: dict[str, Any], *, where: str) -> None:
    for key, value in patch.items():
        if isinstance(value, list) or key.startswith("$"):
            raise Unsupported(f"{where}: {key} — only maps and values are merged here")
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value, where=where)
        else:
            target[key] = copy.deepcopy(value)


def _set_image(manifests: list[Manifest], image: dict[str, str]) -> None:
    for manifest in manifests:
        pod = manifest.get("spec", {}).get("template", {}).get("spec", {})
        for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            reference = container["image"].partition("@")[0]
            name, tag = reference, "latest"
            if ":" in reference.rsplit("/", 1)[-1]:
                name, _, tag = reference.rpartition(":")
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
