"""Shared fixtures: the repository's paths and the `iotwin` command-line binary to check the
Python package against."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def scenarios() -> Path:
    return SCENARIOS


@pytest.fixture(scope="session")
def cli() -> Path:
    """The CLI binary: $IOTWIN_BIN, else built here with the repository's `ci` profile (a
    no-op when it is up to date)."""
    given = os.environ.get("IOTWIN_BIN")
    if given:
        path = Path(given)
        assert path.is_file(), f"IOTWIN_BIN={given} is not a file"
        return path
    cargo = shutil.which("cargo")
    assert cargo, "set IOTWIN_BIN to the iotwin binary, or install Rust so the tests can build it"
    subprocess.run(
        [cargo, "build", "--profile", "ci", "--bin", "iotwin", "--quiet"],
        cwd=ROOT,
        check=True,
    )
    return ROOT / "target" / "ci" / "iotwin"


def run_cli(cli: Path, *args: str) -> subprocess.CompletedProcess:
    """Runs the CLI with `args`; fails the test with its stderr if it fails."""
    done = subprocess.run([str(cli), *args], capture_output=True, text=True)
    assert done.returncode == 0, f"iotwin {' '.join(args)} failed:\n{done.stderr}"
    return done
