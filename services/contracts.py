"""The four services' event contracts in the repository: ``contracts/`` holds the released ones.

python -m services.contracts export [--breaking]   write what the code declares now
python -m services.contracts check                 compare the committed files with it

``contracts/events/<ce-type>.json`` is each event type's JSON Schema in its CloudEvents envelope;
``contracts/asyncapi/<service>.json`` each service's AsyncAPI document on the topics' own names (a
deployment's prefix goes in front: its ``/asyncapi.json`` shows them so). The committed event schemas
are the released contract: ``check`` fails on a change a reader of theirs could not read
(`shared.contracts.breaking_changes`), and on any other difference until ``export`` writes it;
``export`` refuses a breaking change unless told ``--breaking`` (after the readers were deployed, say).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.intake.app import create_app as intake_app
from services.intake.config import IntakeSettings
from services.publishing.app import create_app as publishing_app
from services.publishing.config import PublishingSettings
from services.routing.app import create_app as routing_app
from services.routing.config import RoutingSettings
from services.tracking.app import create_app as tracking_app
from services.tracking.config import TrackingSettings
from shared.contracts import ServiceContract, asyncapi_document, breaking_changes, event_schemas
from shared.runtime import ServiceRuntime
from shared.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings

__all__ = [
    "CONTRACTS",
    "SERVICES",
    "BreakingChanges",
    "ContractCheck",
    "check_contracts",
    "export_contracts",
    "service_contract",
]

SERVICES: dict[str, tuple[Callable[[Any], FastAPI], type[ServiceSettings]]] = {
    "intake": (intake_app, IntakeSettings),
    "routing": (routing_app, RoutingSettings),
    "tracking": (tracking_app, TrackingSettings),
    "publishing": (publishing_app, PublishingSettings),
}
CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
EXPORT = "python -m services.contracts export"


class BreakingChanges(Exception):
    """The code breaks the released contract; the message lists how."""


@dataclass(frozen=True, slots=True)
class ContractCheck:
    breaking: tuple[str, ...]
    """How the code breaks the released event schemas: fix the code, or release a breaking change."""
    stale: tuple[str, ...]
    """Committed files that are not what the code generates (compatible or not): export them."""

    @property
    def ok(self) -> bool:
        return not self.breaking and not self.stale

    def report(self) -> str:
        lines = []
        if self.breaking:
            lines += ["breaking changes to the released event contract:", *(f"  {c}" for c in self.breaking)]
        if self.stale:
            lines += [
                f"contracts/ is not what the code declares; run `{EXPORT}`:",
                *(f"  {s}" for s in self.stale),
            ]
        return "\n".join(lines) or "the contracts are current"


def service_contract(service: str) -> ServiceContract:
    """What ``service`` sends and receives as its ``create_app`` wires it, on unprefixed topics
    (nothing connects: the app is built, not started)."""
    create_app, settings_type = SERVICES[service]
    settings = settings_type(
        CIVIC_ENV="development",
        CIVIC_TOPIC_PREFIX="",
        CIVIC_JWT_SECRET=DEVELOPMENT_JWT_SECRET,
        database_url="sqlite+aiosqlite:///:memory:",
    )
    runtime: ServiceRuntime = create_app(settings).state.runtime
    return runtime.contract()


def check_contracts(directory: Path = CONTRACTS) -> ContractCheck:
    """Compare the contract files in ``directory`` with what the code generates now."""
    return _compare(_committed(directory), _generated())


def export_contracts(directory: Path = CONTRACTS, *, breaking: bool = False) -> list[Path]:
    """Write the contract files the code generates into ``directory``, removing those it no longer
    does; the files changed. Raises `BreakingChanges` (writing nothing) when the code breaks the
    committed contract, unless ``breaking``."""
    committed, generated = _committed(directory), _generated()
    check = _compare(committed, generated)
    if check.breaking and not breaking:
        raise BreakingChanges(f"{check.report()}\n(nothing written; `{EXPORT} --breaking` releases them)")
    changed = []
    for relative in committed.keys() - generated.keys():
        (directory / relative).unlink()
        changed.append(directory / relative)
    for relative, text in generated.items():
        if committed.get(relative) != text:
            (directory / relative).parent.mkdir(parents=True, exist_ok=True)
            (directory / relative).write_text(text, encoding="utf-8")
            changed.append(directory / relative)
    return sorted(changed)


def _compare(committed: dict[str, str], generated: dict[str, str]) -> ContractCheck:
    released = {
        path.removeprefix("events/").removesuffix(".json"): json.loads(text)
        for path, text in committed.items()
        if path.startswith("events/")
    }
    stale = [f"{path}: missing" for path in generated if path not in committed]
    stale += [f"{path}: differs" for path, text in generated.items() if committed.get(path, text) != text]
    stale += [f"{path}: no longer generated" for path in committed if path not in generated]
    return ContractCheck(tuple(breaking_changes(released, event_schemas())), tuple(sorted(stale)))


def _generated() -> dict[str, str]:
    files = {f"events/{event_type}.json": _text(schema) for event_type, schema in event_schemas().items()}
    for service in SERVICES:
        files[f"asyncapi/{service}.json"] = _text(asyncapi_document(service_contract(service)))
    return files


def _committed(directory: Path) -> dict[str, str]:
    return {
        path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
        for folder in ("events", "asyncapi")
        for path in sorted((directory / folder).glob("*.json"))
    }


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.contracts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write contracts/ from the code")
    export.add_argument("--breaking", action="store_true", help="release a breaking change to the contract")
    commands.add_parser("check", help="compare contracts/ with the code")
    parser.add_argument("--directory", type=Path, default=CONTRACTS)
    args = parser.parse_args(argv)
    if args.command == "check":
        check = check_contracts(args.directory)
        print(check.report())
        return 0 if check.ok else 1
    try:
        changed = export_contracts(args.directory, breaking=args.breaking)
    except BreakingChanges as refusal:
        print(refusal, file=sys.stderr)
        return 2
    print("\n".join(f"wrote {path}" for path in changed) or "the contracts were current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
