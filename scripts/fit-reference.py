#!/usr/bin/env python3
"""Reference estimates for `iotwin fit`, from independent implementations.

For each committed field log in tests/data/fit/*.csv, prints the maximum-likelihood estimates
with right censoring and left truncation of:

- exponential, Weibull and log-normal laws by `lifelines` (ExponentialFitter, WeibullFitter,
  LogNormalFitter with `entry=` for the truncation);
- the gamma law by `scipy` (scipy.stats.gamma's logpdf/logsf maximised with
  scipy.optimize.minimize), as lifelines has no two-parameter gamma.

The numbers are recorded in tests/integration/fit.rs (`reference_*`), which compares iotwin's
estimates with them. Times are in days.

Optional; run with:

    python3 -m venv /tmp/fitref && /tmp/fitref/bin/pip install lifelines scipy
    /tmp/fitref/bin/python scripts/fit-reference.py

`--write-data` (standard library only) regenerates the data files themselves: seeded draws
from known laws with Python's `random`, documented in tests/data/fit/README.md.
"""

import csv
import datetime as dt
import math
import pathlib
import random
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "fit"
DAY = 86400.0


def when(text):
    """Seconds since the epoch of an ISO date or UTC date-time."""
    if "T" not in text:
        text += "T00:00:00Z"
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def samples(path):
    """(durations, ended, entries) in days per population, read like iotwin reads them."""
    rows = [r for r in csv.DictReader(line for line in open(path) if not line.startswith("#"))]
    out = {}
    for r in rows:
        if r["kind"] in ("failure", "still_running"):
            installed, at = when(r["installed"]), when(r["at"])
            entry = max(0.0, when(r["window_start"]) - installed) if r["window_start"] else 0.0
            key = "lifetime-" + r["fleet"]
            out.setdefault(key, ([], [], []))
            out[key][0].append((at - installed) / DAY)
            out[key][1].append(r["kind"] == "failure")
            out[key][2].append(entry / DAY)
        elif r["kind"] == "repair":
            hours = float(r["duration"].rstrip("h"))
            key = "repair-" + r["fleet"]
            out.setdefault(key, ([], [], []))
            out[key][0].append(hours / 24.0)
            out[key][1].append(True)
            out[key][2].append(0.0)
    return out


def gamma_fit(t, e, entry):
    import numpy as np
    from scipy import optimize, stats

    t, e, entry = map(np.asarray, (t, e, entry))

    def nll(theta):
        k, s = np.exp(theta)
        ll = np.where(e, stats.gamma.logpdf(t, k, scale=s), stats.gamma.logsf(t, k, scale=s))
        return -(ll.sum() - stats.gamma.logsf(entry, k, scale=s).sum())

    start = np.log([1.0, t.mean()])
    res = optimize.minimize(nll, start, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    res = optimize.minimize(nll, res.x, method="BFGS")
    k, s = np.exp(res.x)
    return k, s, -res.fun


def reference():
    from lifelines import ExponentialFitter, LogNormalFitter, WeibullFitter

    for path in sorted(DATA.glob("*.csv")):
        for name, (t, e, entry) in samples(path).items():
            print(f"{path.name} {name}: n={len(t)} ended={sum(e)} truncated={sum(x > 0 for x in entry)}")
            ex = ExponentialFitter().fit(t, e, entry=entry)
            print(f"  exponential mean={ex.lambda_:.10g} loglik={ex.log_likelihood_:.10g}")
            wb = WeibullFitter().fit(t, e, entry=entry)
            print(f"  weibull shape={wb.rho_:.10g} scale={wb.lambda_:.10g} loglik={wb.log_likelihood_:.10g}")
            ln = LogNormalFitter().fit(t, e, entry=entry)
            print(f"  lognormal median={math.exp(ln.mu_):.10g} sigma={ln.sigma_:.10g} loglik={ln.log_likelihood_:.10g}")
            k, s, ll = gamma_fit(t, e, entry)
            print(f"  gamma shape={k:.10g} scale={s:.10g} loglik={ll:.10g}")


def write_data():
    rng = random.Random(16)
    stamp = lambda s: dt.datetime.fromtimestamp(round(s), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = lambda s: dt.datetime.fromtimestamp(s, dt.timezone.utc).strftime("%Y-%m-%d")
    first, window, end = when("2015-01-01"), when("2018-01-01"), when("2022-01-01")
    rows = []
    n = 0
    while len(rows) < 60:
        installed = first + rng.randrange(int((end - first) / DAY) - 200) * DAY
        life = rng.weibullvariate(900.0, 1.6) * DAY  # Weibull(shape 1.6, scale 900 days)
        fails = installed + life
        if fails < window:
            continue  # failed before the log began: not in it (left truncation)
        n += 1
        seen = day(window) if installed < window else ""
        if fails < end:
            rows.append(f"failure,u{n},sensors,,{day(installed)},{seen},{stamp(fails)},,")
        else:
            rows.append(f"still_running,u{n},sensors,,{day(installed)},{seen},{day(end)},,")
    with open(DATA / "lifetimes.csv", "w") as f:
        f.write("# Seeded draws (Python random, seed 16) from Weibull(shape 1.6, scale 900 days); see README.md.\n")
        f.write("kind,unit,fleet,carrier,installed,window_start,at,end,duration\n")
        f.write("\n".join(rows) + "\n")
    rng = random.Random(17)
    with open(DATA / "repairs.csv", "w") as f:
        f.write("# Seeded draws (Python random, seed 17) from LogNormal(median 4h, sigma 0.7); see README.md.\n")
        f.write("kind,unit,fleet,carrier,installed,window_start,at,end,duration\n")
        for i in range(40):
            hours = round(rng.lognormvariate(math.log(4.0), 0.7), 2)
            f.write(f"repair,r{i},sensors,,,,,,{hours}h\n")


if __name__ == "__main__":
    if "--write-data" in sys.argv:
        write_data()
    else:
        reference()
