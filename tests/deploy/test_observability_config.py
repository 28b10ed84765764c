"""The Grafana dashboard and the Prometheus scrape configuration in ``deploy/observability`` agree with
the code: every series a panel queries is one a service exports, and Prometheus scrapes each service
on the port it serves, labelled with its name (what the panels group by)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.processes import DEFAULT_PORTS
from tests.security.conftest import SERVICES
from tests.support.services import JWT_SECRET

FOLDER = Path(__file__).resolve().parents[2] / "deploy" / "observability"
SERIES = re.compile(r"\b((?:civic|faststream)_[a-z_]+)\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exported_series() -> dict[str, set[str]]:
    """Each service's series names, as its registry declares them (before any sample is taken)."""
    series: dict[str, set[str]] = {}
    for name, (create, settings_type) in SERVICES.items():
        app = create(settings_type(CIVIC_JWT_SECRET=JWT_SECRET))
        series[name] = {
            family.name + suffix
            for family in app.state.runtime.metrics.registry.collect()
            for suffix in SUFFIXES.get(family.type, ("",))
        }
    return series


def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FOLDER / "grafana-dashboard.json").read_text())
    return document


def test_every_panel_queries_series_a_service_exports() -> None:
    everywhere = set().union(*exported_series().values())
    panels = dashboard()["panels"]
    queried = {
        series for panel in panels for target in panel["targets"] for series in SERIES.findall(target["expr"])
    }
    assert queried, "the panels query civic's series"
    assert queried <= everywhere, f"queried but exported by no service: {sorted(queried - everywhere)}"
    for figure in (
        "civic_dead_letters_total",
        "civic_outbox_unsent",
        "civic_outbox_oldest_unsent_age_seconds",
        "civic_consumer_lag",
        "civic_clocks_open",
        "civic_clocks_breached",
        "civic_review_queue_length",
        "civic_http_requests_total",
        "faststream_received_processed_messages_total",
    ):
        assert figure in queried, f"no panel shows {figure}"
    titles = [panel["title"] for panel in panels]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize("figure", ["civic_clocks_open", "civic_review_queue_length"])
def test_a_services_own_figures_come_from_that_service_alone(figure: str) -> None:
    owners = {name for name, series in exported_series().items() if figure in series}
    assert len(owners) == 1, owners


def test_prometheus_scrapes_each_service_on_its_port_with_its_name() -> None:
    config = yaml.safe_load((FOLDER / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    scraped = {group["labels"]["app"]: group["targets"] for group in job["static_configs"]}
    assert scraped == {name: [f"127.0.0.1:{port}"] for name, port in DEFAULT_PORTS.items()}
