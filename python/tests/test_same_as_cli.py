"""A study run from Python gives the CLI's numbers: same scenario, seed and replications, same
bytes of summary.json, compare.json and sweep.json."""

from __future__ import annotations

import json
import math

import iotwin
from conftest import run_cli


def test_run_gives_the_cli_summary_json_byte_for_byte(cli, scenarios, tmp_path):
    scenario = scenarios / "smart_home.ron"
    run_cli(cli, "run", str(scenario), "--seed", "11", "--replications", "3", "--out", str(tmp_path), "--quiet")
    from_cli = (tmp_path / "summary.json").read_text()

    result = iotwin.run(str(scenario), seed=11, replications=3)

    assert result.summary_json() == from_cli


def test_run_records_hold_the_numbers_of_the_cli_summary(cli, scenarios, tmp_path):
    scenario = scenarios / "smart_home.ron"
    run_cli(cli, "run", str(scenario), "--seed", "5", "--replications", "4", "--out", str(tmp_path), "--quiet")
    summary = json.loads((tmp_path / "summary.json").read_text())

    result = iotwin.run(iotwin.load(scenario), seed=5, replications=4, threads=1)

    assert (result.seed, result.replications, result.mode) == (5, 4, summary["mode"])
    assert [m["metric"] for m in result.metrics] == list(summary["metrics"])
    for row in result.metrics:
        cli_row = summary["metrics"][row["metric"]]
        assert row["n"] == cli_row["replications_defined"]
        for ours, theirs in [(row["mean"], cli_row["mean"]), (row["ci95_half_width"], cli_row["ci95_half_width"])]:
            if theirs is None:
                assert math.isnan(ours), row
            else:
                assert ours == theirs, row


def test_run_per_replication_rows_are_the_cli_metrics_csv(cli, scenarios, tmp_path):
    scenario = scenarios / "smart_home.ron"
    run_cli(cli, "run", str(scenario), "--seed", "2", "--replications", "3", "--out", str(tmp_path), "--quiet")

    result = iotwin.run(str(scenario), seed=2, replications=3)

    assert result.metrics_csv() == (tmp_path / "metrics.csv").read_text()
    assert [row["replication"] for row in result.per_replication] == [0, 1, 2]


def test_compare_gives_the_cli_compare_json_byte_for_byte(cli, scenarios, tmp_path):
    designs = [str(scenarios / "single_carrier.ron"), str(scenarios / "dual_carrier_esim.ron")]
    run_cli(cli, "compare", *designs, "--seed", "3", "--replications", "2", "--out", str(tmp_path), "--quiet")

    comparison = iotwin.compare(designs, seed=3, replications=2)

    assert comparison.compare_json() == (tmp_path / "compare.json").read_text()
    assert comparison.designs == ["single_carrier", "dual_carrier_esim"]


def test_sweep_gives_the_cli_sweep_json_byte_for_byte(cli, scenarios, tmp_path):
    scenario = str(scenarios / "smart_home.ron")
    run_cli(
        cli, "sweep", scenario, "--set", "fleets[id=thermostat].count=1,4", "--limit", "data_completeness>=0.99",
        "--seed", "9", "--replications", "2", "--out", str(tmp_path), "--quiet",
    )

    result = iotwin.sweep(
        scenario, {"fleets[id=thermostat].count": [1, 4]}, limits=["data_completeness>=0.99"], seed=9, replications=2
    )

    assert result.sweep_json() == (tmp_path / "sweep.json").read_text()


def test_the_thread_count_does_not_change_a_result(scenarios):
    scenario = iotwin.load(scenarios / "smart_home.ron")
    one = iotwin.run(scenario, replications=3, threads=1)
    two = iotwin.run(scenario, replications=3, threads=2)
    assert one.summary_json() == two.summary_json()
