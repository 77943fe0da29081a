"""
The backend's global state: the network built so far, the clock, and the results of the last run.

The machines cannot pause and resume (a run of the `nmemu` binary always starts at t = 0), but they are
deterministic: the same net.json and seed give bit-identical results. So `run(a); run(b)` runs the unchanged
network again from 0 to a + b; its first `a` ms are the first run's, and the state at `a` is carried across
exactly. What this cannot do is change the network between the two calls, so such a change is refused at the
next run() with that reason (`reset()` first, as PyNN allows). The one change it can replay is new spike times
for a SpikeSourceArray (populations.py), since the times already past stay as they were.
"""

import atexit
import os
import shutil
import tempfile

from pyNN import common

from . import binary, netjson
from .results import Results

name = "nmemu"


class ID(int, common.IDMixin):

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = "auto"
        self.max_delay = "auto"
        self.machine = "spinnaker-48"
        self.machine_options = {}
        self.neurons_per_core = {}
        self.workdir = None
        self.clear()

    def clear(self):
        """Forget the network (setup() and end() call this)."""
        self.populations = []
        self.projections = []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self.reset()

    def reset(self):
        """Back to t = 0 with a new segment; the network and what it records stay."""
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1
        self.results = None
        self.changed_since_run = None
        for projection in self.projections:
            projection._reset_weights()

    def network_changed(self, what):
        """Note a change to the network; after a run it makes the next run() refuse to continue (see above)."""
        if self.t > 0 and self.changed_since_run is None:
            self.changed_since_run = what

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        if self.t > 0 and self.changed_since_run is not None:
            raise RuntimeError(
                f"pyNN.nmemu: cannot continue the run: {self.changed_since_run} at t = {self.t} ms. The nmemu "
                "machines always run from t = 0, so run() continues by running the unchanged network again; "
                "call sim.reset() before changing the network, or make the change before the first run()")
        steps = round(tstop / self.dt)
        if steps > 0:
            # One tick more than asked: PyNN's signals include the sample at the end time (t / dt + 1 samples),
            # and a run of n ticks samples 0 .. n - 1.
            self.results = self._execute(round((steps + 1) * self.dt, 9))
        self.t = tstop
        self.running = True

    def _execute(self, duration_ms):
        if self.workdir is None:
            self.workdir = tempfile.mkdtemp(prefix="pynn-nmemu-")
        net_path = os.path.join(self.workdir, "net.json")
        out_dir = os.path.join(self.workdir, "out")
        network = netjson.build(self, duration_ms)
        netjson.write(network, net_path)
        binary.run(self.machine, net_path, out_dir, self.machine_options)
        results = Results(out_dir)
        results.warn_about_health()
        for projection in self.projections:
            projection._read_results(results)
        return results

    def results_label(self, population):
        """The label `population` has in net.json, and so in the result files."""
        return netjson.population_labels(self.populations)[population]

    def remove_workdir(self):
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


state = State()
atexit.register(state.remove_workdir)  # a script that never calls end() leaves no files behind
