"""The first ``make run`` is not silent while the broker's jars come from Maven Central: Maven's output is
read as it comes, and how far it got is reported every few seconds and at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.kafka import local
from deploy.kafka.local import report_progress

MAVEN = [
    "[INFO] Scanning for projects...",
    "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/apache/kafka/kafka_2.13/4.4.0/kafka_2.13-4.4.0.jar",
    "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/kafka/kafka_2.13/4.4.0/kafka_2.13-4.4.0.jar (6.6 MB at 3.1 MB/s)",
    "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/com/github/luben/zstd-jni/1.5.6/zstd-jni-1.5.6.jar (512 kB at 1.0 MB/s)",
    "[INFO] Copying kafka_2.13-4.4.0.jar to /cache/libs/kafka_2.13-4.4.0.jar",
    "[INFO] Copying zstd-jni-1.5.6.jar to /cache/libs/zstd-jni-1.5.6.jar",
    "[INFO] BUILD SUCCESS",
]


def test_progress_is_told_every_few_seconds_and_at_the_end() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 2.0  # each line two seconds after the one before
        return now[0]

    told: list[str] = []
    seen = report_progress(iter(MAVEN), told.append, every=3.0, clock=clock)
    assert seen == MAVEN, "every line kept, for an error message"
    assert told[-1] == "done: 2 files downloaded (7.1 MB), 2 jars in place"
    assert 1 <= len(told) - 1 < 4, "in between, at most one line per three seconds"
    assert all("files downloaded" in line for line in told)


@pytest.mark.kafka
def test_a_first_fetch_reports_as_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Into an empty cache, as on a fresh machine (Maven's own repository may already hold the jars)."""
    monkeypatch.setenv("CIVIC_KAFKA_CACHE", str(tmp_path))
    with caplog.at_level("INFO", logger=local.__name__):
        libs = local.fetch()
    assert any(libs.glob("kafka_2.13-*.jar"))
    assert "the first run only" in caplog.text
    assert f"Kafka {local.KAFKA_VERSION}: done:" in caplog.text
    assert " jars in place" in caplog.text
