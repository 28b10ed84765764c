"""Where each service's time goes under the benchmark's load: py-spy samples every service process
for the length of the load — only the thread holding the GIL (``--gil``: the Python work that keeps
a core busy, not threads waiting on SQLite or sockets), without pausing it (``--nonblocking``) — and
each service's samples are told by what runs at the top of the stack (the library, or our own code)
and by which of our functions is nearest the top.

    python -m bench.pipeline --only latency --profile /tmp/civic-profile
    python -m bench.profile /tmp/civic-profile           # the summary again, from the files kept

Each process's samples are kept as ``<service>.txt`` (py-spy's collapsed stacks: one line per stack,
``frame;frame;… count``) for a flame graph (``flamegraph.pl``, speedscope).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["Sampling", "summary"]

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQLAlchemy", ("/sqlalchemy/", "/sqlmodel/")),
    ("SQLite driver", ("/aiosqlite/", "sqlite3")),
    ("asyncpg", ("/asyncpg/",)),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("HTTP (uvicorn, starlette, FastAPI)", ("/uvicorn/", "/starlette/", "/fastapi/", "/httptools/", "/h11/")),
    ("Kafka client (aiokafka)", ("/aiokafka/", "/kafka/")),
    ("FastStream", ("/faststream/",)),
    ("cryptography", ("/cryptography/",)),
    ("JSON", ("/json/",)),
    (
        "event loop (asyncio, uvloop)",
        ("/asyncio/", "/uvloop/", "/selectors.py", "/concurrent/", "/threading.py"),
    ),
    ("our code", ("/services/", "/shared/")),
)
"""What a sample's innermost known frame belongs to; the first layer that matches wins."""

OURS = ("/services/", "/shared/")


def _frames(stack: str) -> list[tuple[str, str]]:
    """``name (package/module.py:12);…`` → [(name, "/package/module.py"), …], outermost first."""
    frames = []
    for frame in stack.split(";"):
        name, _, where = frame.rpartition(" (")
        frames.append((name, "/" + where.rstrip(")").rsplit(":", 1)[0].lstrip("/")))
    return frames


def _layer(path: str) -> str | None:
    for name, markers in LAYERS:
        if any(marker in path for marker in markers):
            return name
    return None


def _our_function(name: str, path: str) -> str | None:
    """``name`` in ``/services/intake/handlers.py`` → ``services/intake/handlers.py:name``."""
    if "/site-packages/" in path:
        return None
    for marker in OURS:
        if marker in path:
            return f"{marker.strip('/')}/{path.split(marker, 1)[1]}:{name}"
    return None


def read(path: Path) -> Counter[str]:
    samples: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples[stack] += int(count)
    return samples


def summary(name: str, samples: Counter[str], top: int = 8) -> list[str]:
    """Share of samples by layer (the innermost frame that belongs to one) and by the innermost of our
    functions on the stack: which of our calls spends the time, wherever it is spent."""
    total = sum(samples.values())
    if not total:
        return [f"{name}: no samples"]
    layers: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for stack, count in samples.items():
        frames = _frames(stack)
        layer = next((found for _, path in reversed(frames) if (found := _layer(path))), "other")
        layers[layer] += count
        nearest = next(
            (f for name, path in reversed(frames) if (f := _our_function(name, path)) is not None),
            "(not ours)",
        )
        ours[nearest] += count
    lines = [f"{name}: {total} samples"]
    lines.append(
        "  by layer: " + ", ".join(f"{layer} {100 * n / total:.0f} %" for layer, n in layers.most_common())
    )
    lines.append("  by the innermost of our functions:")
    lines += [f"    {100 * n / total:5.1f} %  {function}" for function, n in ours.most_common(top)]
    return lines


class Sampling:
    """py-spy attached to running processes for ``seconds``; ``stop`` waits for the files."""

    def __init__(self, folder: Path, processes: dict[str, int], seconds: float) -> None:
        self.folder, self.processes, self.seconds = folder, processes, seconds
        self._running: list[asyncio.subprocess.Process] = []

    @staticmethod
    def executable() -> str | None:
        """py-spy beside this Python (the project's environment has it), or on the PATH."""
        beside = Path(sys.executable).parent / "py-spy"
        return str(beside) if beside.exists() else shutil.which("py-spy")

    async def start(self) -> None:
        spy = self.executable()
        if spy is None:
            raise RuntimeError("--profile needs py-spy (in the project's dev dependencies: make setup)")
        await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
        for name, pid in self.processes.items():
            self._running.append(
                await asyncio.create_subprocess_exec(
                    *(spy, "record", "--pid", str(pid), "--gil", "--nonblocking", "--rate", "100"),
                    *("--format", "raw", "--duration", str(max(1, round(self.seconds)))),
                    *("--output", str(self.folder / f"{name}.txt")),
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

    async def stop(self) -> list[str]:
        for process in self._running:
            await process.wait()
        return report(self.folder, self.processes)


def report(folder: Path, names: Iterable[str]) -> list[str]:
    lines = [f"profile (py-spy, thread holding the GIL, 100 samples/s, files in {folder}):"]
    for name in names:
        path = folder / f"{name}.txt"
        lines += summary(name, read(path)) if path.exists() else [f"{name}: no profile (py-spy refused?)"]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    print("\n".join(report(args.folder, sorted(p.stem for p in args.folder.glob("*.txt")))))


if __name__ == "__main__":
    main()
