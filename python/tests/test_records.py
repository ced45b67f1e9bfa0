"""Results are plain records that pandas takes as they are."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import iotwin


@pytest.fixture(scope="module")
def smart_home(scenarios):
    return iotwin.run(str(scenarios / "smart_home.ron"), replications=3, seed=1)


def test_metrics_become_a_dataframe_with_mean_interval_and_n(smart_home):
    frame = pd.DataFrame(smart_home.metrics)
    assert list(frame.columns[:7]) == ["metric", "unit", "mean", "ci_low", "ci_high", "ci95_half_width", "n"]
    completeness = frame.set_index("metric").loc["data_completeness"]
    assert completeness["ci_low"] <= completeness["mean"] <= completeness["ci_high"]
    assert completeness["n"] == 3


def test_per_replication_rows_become_a_dataframe_with_a_column_per_metric(smart_home):
    frame = pd.DataFrame(smart_home.per_replication)
    assert len(frame) == 3
    assert list(frame.columns) == ["replication"] + [m["metric"] for m in smart_home.metrics]
    assert frame["data_completeness"].mean() == pytest.approx(smart_home.estimate("data_completeness")["mean"])


def test_an_interval_needs_two_replications(scenarios):
    one = iotwin.run(str(scenarios / "smart_home.ron"), replications=1)
    row = one.estimate("data_completeness")
    assert row["n"] == 1 and math.isnan(row["ci95_half_width"]) and math.isnan(row["ci_low"])


def test_an_unknown_metric_is_a_key_error_that_suggests_the_closest(smart_home):
    with pytest.raises(KeyError, match="did you mean \\\"data_completeness\\\""):
        smart_home.estimate("data_completeteness")


def test_a_comparison_has_a_row_per_metric_per_design(scenarios):
    comparison = iotwin.compare(
        [iotwin.load(scenarios / "smart_home.ron"), str(scenarios / "smart_home.ron")], replications=2
    )
    frame = pd.DataFrame(comparison.metrics)
    completeness = frame[frame.metric == "data_completeness"]
    assert list(completeness.baseline) == [True, False]
    # A design compared with itself differs by exactly nothing in every replication.
    assert completeness.difference.iloc[1] == 0.0
    # No direction is better for a count of work: its probabilities are NaN, the column numeric.
    events = frame[(frame.metric == "events") & ~frame.baseline].iloc[0]
    assert math.isnan(events.p_better) and math.isnan(events.share_better)
    assert frame.p_better.dtype == float
    assert len(comparison.runs) == 2


def test_a_sweep_has_a_row_per_point_per_metric_with_numeric_parameters(scenarios):
    result = iotwin.sweep(
        str(scenarios / "smart_home.ron"), {"fleets[id=thermostat].count": [1, 3]}, replications=2, seed=4
    )
    frame = pd.DataFrame(result.points)
    generated = frame[frame.metric == "messages_generated"].set_index("fleets[id=thermostat].count")["mean"]
    assert list(generated.index) == [1.0, 3.0]
    assert generated[3.0] > generated[1.0]
    assert result.parameters == ["fleets[id=thermostat].count"]
    assert pd.DataFrame(result.crossings).columns[0] == "limit"


def test_validate_lists_the_single_points_of_failure(scenarios):
    report = iotwin.validate(str(scenarios / "single_carrier.ron"))
    assert report["scenario"] == "single_carrier"
    # Every sensor holds its own SIM on one carrier: the carrier and what takes the region's
    # cellular networks down cut off all 25 (there is no gateway in this design).
    assert [(s["kind"], s["id"], s["devices"]) for s in report["single_points_of_failure"]] == [
        ("carrier", "lte-a", 25),
        ("common_cause", "regional-cellular", 25),
    ]
    assert "single points of failure" in report["text"]


def test_the_built_in_factory_loads_without_a_path():
    factory = iotwin.load()
    assert factory.name == "factory" and factory.devices > 0
    assert "data_completeness" in factory.metrics


def test_a_report_is_written_like_the_cli_writes_it(smart_home, tmp_path):
    written = smart_home.write(tmp_path / "report")
    names = {p.name for p in written}
    assert {"summary.json", "metrics.csv", "report.html", "report.md"} <= names
    assert (tmp_path / "report" / "summary.json").read_text() == smart_home.summary_json()
