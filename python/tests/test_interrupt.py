"""Long runs release the GIL and stop on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import iotwin

# A run that takes minutes (the factory, ~0.5 s per replication on one thread), interrupted
# after a second and a half. The child says when it started and how long the interrupt took to
# arrive. Then it watches its own CPU time: the replication in flight finishes (the process
# goes quiet for a second within 30 s), and after that it must stay quiet for two more seconds,
# which it would not if the worker kept starting replications.
CHILD = textwrap.dedent(
    """
    import sys, time
    import iotwin
    print("started", flush=True)
    t0 = time.monotonic()
    try:
        iotwin.run(replications=400, threads=1)
    except KeyboardInterrupt:
        print(f"interrupted {time.monotonic() - t0:.2f}", flush=True)
    else:
        print("finished", flush=True)
        sys.exit(1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cpu0 = time.process_time()
        time.sleep(1.0)
        if time.process_time() - cpu0 < 0.1:
            break
    else:
        print("cpu busy for 30 s after the interrupt", flush=True)
        sys.exit(1)
    cpu0 = time.process_time()
    time.sleep(2.0)
    print(f"cpu {time.process_time() - cpu0:.2f}", flush=True)
    """
)


def test_ctrl_c_interrupts_a_run_and_no_replication_starts_after_it():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.5)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        line = child.stdout.readline().split()
        reacted = time.monotonic() - sent
        assert line[0] == "interrupted", line
        assert reacted < 2.0, f"KeyboardInterrupt took {reacted:.2f} s"
        line = child.stdout.readline().split()
        assert line[0] == "cpu", line
        cpu = float(line[1])
        assert cpu < 0.3, f"the run kept working after the interrupt: {cpu} s of CPU in 2 s"
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()


def test_a_run_releases_the_gil(scenarios):
    ticks = 0
    running = True

    def count():
        nonlocal ticks
        while running:
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    started = time.monotonic()
    iotwin.run(str(scenarios / "single_carrier.ron"), replications=2, threads=1)
    took = time.monotonic() - started
    running = False
    counter.join()
    # Holding the GIL for the run would leave the counter at a handful of ticks.
    assert ticks > 100 * took / 2, (ticks, took)
