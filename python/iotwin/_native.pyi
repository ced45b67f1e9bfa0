"""Type stubs of the extension module (python/src/lib.rs), for editors and type checkers."""

from os import PathLike
from pathlib import Path
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Union

__version__: str

Mode = Literal["auto", "packet", "flow"]
Record = Dict[str, Any]
ScenarioLike = Union["Scenario", str, PathLike]

class Scenario:
    name: str
    description: str
    file: str
    source: str
    seed: int
    replications: int
    horizon: str
    horizon_s: float
    devices: int
    metrics: List[str]

class RunResult:
    scenario: str
    seed: int
    replications: int
    mode: str
    metrics: List[Record]
    per_replication: List[Record]
    def estimate(self, id: str) -> Record: ...
    def summary_json(self) -> str: ...
    def metrics_csv(self) -> str: ...
    def write(self, out: Union[str, PathLike]) -> List[Path]: ...

class Comparison:
    designs: List[str]
    seed: int
    replications: int
    metrics: List[Record]
    runs: List[RunResult]
    def compare_json(self) -> str: ...
    def compare_csv(self) -> str: ...
    def write(self, out: Union[str, PathLike]) -> List[Path]: ...

class Sweep:
    scenario: str
    seed: int
    replications: int
    parameters: List[str]
    points: List[Record]
    crossings: List[Record]
    runs: List[RunResult]
    def sweep_json(self) -> str: ...
    def write(self, out: Union[str, PathLike]) -> List[Path]: ...

def load(
    path: Optional[Union[str, PathLike]] = None, *, source: Optional[str] = None, name: Optional[str] = None
) -> Scenario: ...
def validate(scenario: ScenarioLike) -> Record: ...
def run(
    scenario: Optional[ScenarioLike] = None,
    *,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    mode: Mode = "auto",
    max_memory_gib: Optional[float] = None,
) -> RunResult: ...
def compare(
    designs: Sequence[ScenarioLike],
    *,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    mode: Mode = "auto",
    max_memory_gib: Optional[float] = None,
) -> Comparison: ...
def sweep(
    scenario: ScenarioLike,
    set: Union[Mapping[str, Any], Sequence[str], str],
    *,
    limits: Optional[Sequence[str]] = None,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    mode: Mode = "auto",
) -> Sweep: ...

class Fit:
    def fit_json(self) -> str: ...
    def snippets(self) -> str: ...
    def write(self, dir: Union[str, PathLike]) -> List[str]: ...

class Forecast:
    @property
    def figures(self) -> List[Record]: ...
    @property
    def quantities(self) -> List[str]: ...
    @property
    def groups(self) -> List[str]: ...
    @property
    def horizons_days(self) -> List[float]: ...
    def forecast_json(self) -> str: ...
    def forecast_csv(self) -> str: ...
    def write(self, dir: Union[str, PathLike]) -> List[str]: ...

def forecast(
    scenario: ScenarioLike,
    *,
    horizon: str = "365d",
    at: Optional[Sequence[str]] = None,
    replications: Optional[int] = None,
    seed: Optional[int] = None,
    packets: bool = False,
) -> Forecast: ...

def fit(
    records: Union[str, PathLike, Sequence[Union[str, PathLike]]],
    *,
    laws: Optional[Sequence[str]] = None,
    resamples: int = 199,
    seed: int = 1,
) -> Fit: ...
