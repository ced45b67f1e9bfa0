"""The notebook in examples/ runs from top to bottom and draws its charts, so it cannot rot.

Needs the `notebook` extra (`pip install "./python[notebook]"`); skipped without it, unless
IOTWIN_REQUIRE_NOTEBOOK=1 (as in .ci/run), where a missing extra fails."""

from __future__ import annotations

import os

import pytest

from conftest import ROOT

NOTEBOOK = ROOT / "examples" / "compare_designs.ipynb"


def _require(module: str):
    if os.environ.get("IOTWIN_REQUIRE_NOTEBOOK") == "1":
        return __import__(module)
    return pytest.importorskip(module)


def test_the_design_comparison_notebook_runs_and_plots(tmp_path):
    nbformat = _require("nbformat")
    nbclient = _require("nbclient")
    _require("matplotlib")
    _require("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    nbformat.write(notebook, tmp_path / NOTEBOOK.name)

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(images) == 2, "both charts are drawn"
