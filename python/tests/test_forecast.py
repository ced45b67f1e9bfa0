"""A forecast from Python is the CLI's: same scenario, same options, same forecast.json bytes."""

from __future__ import annotations

import csv
import io
import json

import pytest

import iotwin
from conftest import run_cli


def test_forecast_gives_the_cli_forecast_json_for_the_example(cli, root, tmp_path):
    scenario = root / "reports" / "twin-example" / "scenario.ron"
    run_cli(
        cli, "forecast", str(scenario), "-r", "20", "-s", "3",
        "--horizon", "90d", "--at", "30d,90d", "--out", str(tmp_path),
    )

    forecast = iotwin.forecast(scenario, horizon="90d", at=["30d", "90d"], replications=20, seed=3)

    assert forecast.forecast_json() == (tmp_path / "forecast.json").read_text()
    assert forecast.forecast_csv() == (tmp_path / "forecast.csv").read_text()
    # The records are forecast.csv's rows, as numbers.
    rows = list(csv.DictReader(io.StringIO((tmp_path / "forecast.csv").read_text())))
    assert len(forecast.figures) == len(rows)
    for record, row in zip(forecast.figures, rows):
        assert record["quantity"] == row["quantity"] and record["group"] == row["group"]
        assert record["pi95_high"] == pytest.approx(float(row["pi95_high"]), rel=1e-12)
    figures = json.loads(forecast.forecast_json())["figures"]
    failures = [f for f in figures if f["quantity"] == "failures" and f["group"] == "all"]
    assert [f["horizon_days"] for f in failures] == [30.0, 90.0]
    assert forecast.groups[-1] == "all" and "failures" in forecast.quantities


def test_forecast_mistakes_raise_usage_errors(root):
    scenario = root / "reports" / "twin-example" / "scenario.ron"
    with pytest.raises(iotwin.UsageError):
        iotwin.forecast(scenario, horizon="30d", at=["90d"])
    with pytest.raises(iotwin.UsageError):
        iotwin.forecast(scenario, horizon="soon")
