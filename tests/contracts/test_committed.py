"""The contracts in ``contracts/`` are the released ones: the code may change them compatibly — then
``export`` must write it down — and never break them unless the export is told so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.contracts import CONTRACTS, EXPORT, BreakingChanges, check_contracts, export_contracts, main


def test_the_committed_contracts_are_what_the_code_declares() -> None:
    check = check_contracts(CONTRACTS)
    assert not check.breaking, check.report()
    assert not check.stale, check.report()


def edit(path: Path, change: Any) -> None:
    schema = json.loads(path.read_text())
    change(schema["properties"]["data"])
    path.write_text(json.dumps(schema))


def test_a_compatible_change_asks_for_an_export(tmp_path: Path) -> None:
    export_contracts(tmp_path)
    assert check_contracts(tmp_path).ok
    edit(
        tmp_path / "events/case.closed.json", lambda data: data["properties"].pop("by")
    )  # the code added `by`
    (tmp_path / "events/case.clustered.json").unlink()  # a new event type
    check = check_contracts(tmp_path)
    assert check.breaking == ()
    assert check.stale == ("events/case.closed.json: differs", "events/case.clustered.json: missing")
    assert f"run `{EXPORT}`" in check.report()
    assert main(["--directory", str(tmp_path), "check"]) == 1
    assert [path.name for path in export_contracts(tmp_path)] == ["case.closed.json", "case.clustered.json"]
    assert main(["--directory", str(tmp_path), "check"]) == 0


def test_a_breaking_change_fails_and_is_exported_only_when_told(tmp_path: Path) -> None:
    export_contracts(tmp_path)
    closed = tmp_path / "events/case.closed.json"
    edit(closed, lambda data: data["properties"].update(reopened={"type": "boolean"}))  # the code removed it
    (tmp_path / "events/case.withdrawn.json").write_text(closed.read_text())  # a type the code no longer has
    released = closed.read_text()
    check = check_contracts(tmp_path)
    assert check.breaking == ("case.withdrawn: the event type is gone", "case.closed: data.reopened: removed")
    with pytest.raises(BreakingChanges, match=r"data\.reopened: removed"):
        export_contracts(tmp_path)
    assert closed.read_text() == released
    assert main(["--directory", str(tmp_path), "export"]) == 2
    export_contracts(tmp_path, breaking=True)
    assert check_contracts(tmp_path).ok
    assert not (tmp_path / "events/case.withdrawn.json").exists()
