"""CPU time of a process (user + system, from ``/proc/<pid>/stat``): what each service, hop and the
load generator itself spent during a measure, so a figure says where the two cores went."""

from __future__ import annotations

import os
import time

__all__ = ["cpu_seconds", "own_cpu_seconds"]

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU seconds ``pid`` has used so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of proc(5))


def own_cpu_seconds() -> float:
    """CPU seconds of this process (the benchmark's client: its load generator and follower)."""
    return time.process_time()
