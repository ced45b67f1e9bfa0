"""Laws fitted from Python are the CLI's: same records, same options, same fit.json bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import iotwin
from conftest import run_cli

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "fit"


def test_fit_gives_the_cli_fit_json_and_snippets_byte_for_byte(cli, tmp_path):
    records = DATA / "lifetimes.csv"
    run_cli(cli, "fit", str(records), "--resamples", "19", "--out", str(tmp_path), "--quiet")

    fitted = iotwin.fit(records, resamples=19)

    assert fitted.fit_json() == (tmp_path / "fit.json").read_text()
    assert fitted.snippets() == (tmp_path / "laws.ron").read_text()
    populations = json.loads(fitted.fit_json())["populations"]
    assert populations and all(p["laws"] for p in populations)


def test_fit_takes_several_files_and_a_choice_of_laws(tmp_path):
    fitted = iotwin.fit([DATA / "lifetimes.csv", DATA / "repairs.csv"], laws=["weibull"], resamples=0)
    populations = json.loads(fitted.fit_json())["populations"]
    assert len(populations) >= 2
    assert {law["family"] for p in populations for law in p["laws"]} == {"weibull"}
    written = fitted.write(tmp_path / "out")
    assert any(w.endswith("laws.ron") for w in written)


def test_bad_records_raise_a_located_scenario_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kind,unit,fleet,carrier,installed,window_start,at,end,duration\n"
        "failure,u1,sensors,,2019-01-20,,soon,,\n"
    )
    with pytest.raises(iotwin.ScenarioError) as caught:
        iotwin.fit(bad)
    assert caught.value.file == str(bad)
    assert caught.value.line == 2
    with pytest.raises(iotwin.UsageError):
        iotwin.fit(DATA / "lifetimes.csv", laws=["weibul"])
