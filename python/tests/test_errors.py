"""Mistakes come back as exceptions that say where they are and how to fix them."""

from __future__ import annotations

import pytest

import iotwin

BAD_COUNT = """Scenario(
  name: "x",
  horizon: "1d",
  fleets: [Fleet(id: "a", count: -3)],
)
"""


def test_a_scenario_mistake_carries_file_line_column_field_and_hint(tmp_path):
    path = tmp_path / "bad.ron"
    path.write_text(BAD_COUNT)

    with pytest.raises(iotwin.ScenarioError) as caught:
        iotwin.load(path)

    e = caught.value
    assert (e.file, e.line, e.column, e.field) == (str(path), 4, 35, "fleets[0].count")
    assert "at least one device" in e.hint
    assert e.source_line == '  fleets: [Fleet(id: "a", count: -3)],'
    message = str(e)
    assert message.startswith(f"{path}:4:35: field `fleets[0].count`: expected a whole number")
    assert "hint: a fleet needs at least one device" in message


def test_scenario_text_is_named_in_errors_as_asked():
    with pytest.raises(iotwin.ScenarioError) as caught:
        iotwin.load(source=BAD_COUNT, name="notebook cell 3")
    assert (caught.value.file, caught.value.line) == ("notebook cell 3", 4)


def test_a_scenario_error_is_a_value_error_and_an_iotwin_error():
    with pytest.raises(ValueError):
        iotwin.load(source=BAD_COUNT)
    with pytest.raises(iotwin.IotwinError):
        iotwin.load(source=BAD_COUNT)


def test_run_and_validate_raise_the_same_error_for_a_bad_file(tmp_path):
    path = tmp_path / "bad.ron"
    path.write_text(BAD_COUNT)
    for call in (lambda: iotwin.run(str(path)), lambda: iotwin.validate(path)):
        with pytest.raises(iotwin.ScenarioError) as caught:
            call()
        assert (caught.value.line, caught.value.column) == (4, 35)


def test_a_missing_file_names_the_file_and_has_no_position(tmp_path):
    with pytest.raises(iotwin.ScenarioError) as caught:
        iotwin.load(tmp_path / "nowhere.ron")
    e = caught.value
    assert e.file == str(tmp_path / "nowhere.ron")
    assert e.line is None and e.column is None
    assert "check the path" in e.hint


def test_an_unknown_mode_is_a_usage_error_with_a_hint(scenarios):
    with pytest.raises(iotwin.UsageError) as caught:
        iotwin.run(str(scenarios / "smart_home.ron"), mode="fast")
    assert "packet" in caught.value.hint


def test_a_sweep_path_that_does_not_resolve_names_the_path(scenarios):
    with pytest.raises(iotwin.UsageError) as caught:
        iotwin.sweep(str(scenarios / "smart_home.ron"), {"fleets[id=thermostatt].count": [1, 2]})
    e = caught.value
    assert e.field == "fleets[id=thermostatt].count"
    assert e.file == str(scenarios / "smart_home.ron")
    assert "thermostat" in e.hint


def test_a_sweep_point_that_is_invalid_is_a_scenario_error_naming_the_point(scenarios):
    with pytest.raises(iotwin.ScenarioError) as caught:
        iotwin.sweep(str(scenarios / "smart_home.ron"), {"fleets[id=thermostat].count": [1, 0]})
    assert "sweep point" in caught.value.file
    assert caught.value.line is not None


def test_a_limit_on_an_unknown_metric_is_a_usage_error(scenarios):
    with pytest.raises(iotwin.UsageError, match="unknown metric"):
        iotwin.sweep(str(scenarios / "smart_home.ron"), {"fleets[id=thermostat].count": [1]}, limits=["data_completenes>=0.9"])


def test_a_study_too_large_for_memory_is_refused_before_it_starts(scenarios):
    with pytest.raises(iotwin.StudyTooLarge) as caught:
        iotwin.run(str(scenarios / "smart_home.ron"), replications=2, max_memory_gib=1e-9)
    assert isinstance(caught.value, MemoryError)
    assert caught.value.needed_bytes > caught.value.limit_bytes


def test_zero_threads_means_every_core(scenarios):
    """threads=0 is threads=None (every core), as `iotwin run -t 0`: the memory estimate,
    which counts the replications run at once, is the same; it used to be 0 at a time."""
    def refusal(**threads):
        with pytest.raises(iotwin.StudyTooLarge) as caught:
            iotwin.run(str(scenarios / "smart_home.ron"), replications=4, max_memory_gib=1e-9, **threads)
        return caught.value.needed_bytes, str(caught.value)

    assert refusal(threads=0) == refusal()


def test_something_that_is_not_a_scenario_is_a_type_error():
    with pytest.raises(TypeError, match="iotwin.Scenario or a path"):
        iotwin.run(42)
