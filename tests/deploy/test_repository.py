"""What a user who clones the repository gets is all the project needs: nothing reaches outside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(
    r"\.\./shared|parent / \"shared\"|parents\[\d\] / \"shared\"|\.parent\.parent / \"shared\""
)


def test_no_file_of_the_repository_reaches_beside_it() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    offenders = []
    for name in tracked.splitlines():
        path = ROOT / name
        if path == Path(__file__).resolve():
            continue
        if (
            path.suffix in {".py", ".md", ".toml", ".yml", ".yaml", ".cfg", ".ini", ".sh", ""}
            and path.is_file()
        ):
            text = path.read_text(errors="replace")
            offenders += [f"{name}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert offenders == [], offenders  # this file names the pattern, and is skipped above


def test_the_design_a_reader_needs_is_in_the_repository() -> None:
    for document in ("architecture.md", "rules.md", "style.md"):
        assert (ROOT / "docs" / document).is_file(), document
    assert "docs/" in (ROOT / "README.md").read_text()
