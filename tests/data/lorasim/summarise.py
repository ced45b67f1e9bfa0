#!/usr/bin/env python3
"""Summarise LoRaSim runs (runs.csv, one line per run from run_lorasim.py) into der.csv: per
experiment, collision check, fix and node count, the mean DER (frames received over frames
sent, LoRaSim's "DER method 2") and its standard error across the runs (seeds)."""
import csv, math, sys
from collections import defaultdict

here = sys.argv[1] if len(sys.argv) > 1 else "."
groups = defaultdict(list)
with open(f"{here}/runs.csv") as f:
    for r in csv.DictReader(f):
        key = (int(r["experiment"]), int(r["full_collision"]), int(r["fix"]), int(r["nodes"]),
               int(r["avgsend_ms"]), int(r["simtime_ms"]))
        groups[key].append((int(r["sent"]), int(r["received"])))
with open(f"{here}/der.csv", "w") as out:
    out.write("experiment,full_collision,arrival_flag_fix,nodes,runs,der,der_se,"
              "mean_sent,avgsend_ms,simtime_ms\n")
    for key in sorted(groups):
        runs = groups[key]
        ders = [rec / sent for sent, rec in runs]
        n = len(ders)
        mean = sum(ders) / n
        sd = math.sqrt(sum((d - mean) ** 2 for d in ders) / (n - 1)) if n > 1 else float("nan")
        e, full, fix, nodes, avg, sim = key
        out.write(f"{e},{full},{fix},{nodes},{n},{mean:.5f},{sd / math.sqrt(n):.5f},"
                  f"{sum(s for s, _ in runs) // n},{avg},{sim}\n")
