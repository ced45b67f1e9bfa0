"""iotwin from Python: load, validate, run, compare and sweep IoT deployment scenarios, fit
failure, repair and outage laws from field records, and forecast a fleet from its inventory.

The same library as the ``iotwin`` command, in-process: the same seed and options give the
same numbers as ``iotwin run`` (``RunResult.summary_json()`` is its ``summary.json``, byte for
byte). Results are plain records — lists of dicts — that ``pandas.DataFrame(...)`` takes
directly::

    import iotwin, pandas as pd
    result = iotwin.run("scenarios/factory.ron", replications=10, seed=1)
    pd.DataFrame(result.metrics)          # mean, ci_low, ci_high, n per metric
    pd.DataFrame(result.per_replication)  # one row per replication

Runs release the GIL and stop on Ctrl-C (``KeyboardInterrupt``). Mistakes in a scenario raise
``ScenarioError`` with ``file``, ``line``, ``column``, ``field`` and ``hint``.
"""

from ._native import (
    Comparison,
    Fit,
    Forecast,
    RunResult,
    Scenario,
    Sweep,
    __version__,
    compare,
    fit,
    forecast,
    load,
    run,
    sweep,
    validate,
)
from .errors import IotwinError, RunError, ScenarioError, StudyTooLarge, UsageError

__all__ = [
    "Comparison",
    "Fit",
    "Forecast",
    "IotwinError",
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "StudyTooLarge",
    "Sweep",
    "UsageError",
    "__version__",
    "compare",
    "fit",
    "forecast",
    "load",
    "run",
    "sweep",
    "validate",
]
