#!/usr/bin/env python3
"""Run LoRaSim's loraDir.py (revision 218, Python 2 source) headless under Python 3.

The source is read unchanged and rewritten in memory only: every print statement becomes an
assignment (no output, Python 3 syntax), graphics are off, the RNG is seeded. With --fix the
one line that clears an arriving frame's collision flag in full-collision mode is made a no-op
(see tests/data/lorasim/README.md). Prints one CSV line:
nodes,avgsend_ms,experiment,simtime_ms,full_collision,fix,seed,sent,received,lost,collisions
"""
import random, re, sys

src_path, nodes, avgsend, exp, simtime, full, fix, seed = sys.argv[1:9]
src = open(src_path, encoding="utf-8").read()
src = re.sub(r"^(\s*)print\s*\(", r"\1_ = (", src, flags=re.M)
src = re.sub(r"^(\s*)print\s+", r"\1_ = ", src, flags=re.M)
src = src.replace("graphics = 1", "graphics = 0")
# Python 3 refuses module-level `global` after assignment; at module level it is a no-op.
src = re.sub(r"^    global \w+\s*$", "", src, flags=re.M)
if fix == "1":
    old = "                else:\n                    node.packet.collided = 0\n"
    assert src.count(old) == 1, "fix site not found"
    src = src.replace(old, "                else:\n                    pass\n")
random.seed(int(seed))
sys.argv = ["loraDir.py", nodes, avgsend, exp, simtime, full]
ns = {"__name__": "__main__"}
import os
os.chdir(os.environ.get("LORASIM_OUT", "/tmp"))
exec(compile(src, "loraDir.py", "exec"), ns)
sent = sum(n.sent for n in ns["nodes"])
print(",".join(str(x) for x in [nodes, avgsend, exp, simtime, full, fix, seed, sent,
      ns["nrReceived"], ns["nrLost"], ns["nrCollisions"]]))
