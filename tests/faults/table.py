"""``python -m tests.faults.table FILE``: the fault tier's rows (JSON lines) as a Markdown table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

COLUMNS = [
    ("fault", "fault"),
    ("database", "database"),
    ("submitted", "submitted"),
    ("accepted", "accepted (201)"),
    ("assigned", "assigned"),
    ("with_deadline", "with deadline"),
    ("dead_lettered", "dead-lettered"),
    ("doubled", "doubled"),
    ("lost", "lost"),
    ("unavailable", "503 answers (retried)"),
    ("poisoned", "poisoned → .dlq (apart)"),
]


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "|".join("---" if key in ("fault", "database") else "---:" for key, _ in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(str(row.get(key, "")) for key, _ in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1])
    rows = (
        [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    )
    print(table(rows) if rows else f"no fault ran (nothing in {path})")


if __name__ == "__main__":
    main()
