"""
setup(), run(), reset(), end() and the nmemu-specific queries: the run's provenance, mapping report, summary
and health, as `nmemu run` wrote them (docs/outputs.md).
"""

import os

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import binary, netjson, simulator


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, max_delay=DEFAULT_MAX_DELAY, machine=None,
          **extra):
    """
    Start a new network on the emulated `machine` (a preset of `nmemu machines`, e.g. "spinnaker-48"; by
    default the environment's NMEMU_MACHINE, else "spinnaker-48", so that unchanged scripts can be pointed at
    another machine).

    Every other keyword argument is an option of the machine and reaches `nmemu run` as a flag
    (`time_scale_factor=2` -> `--time-scale-factor 2`, `mismatch=True` -> `--mismatch`, `seed=7` -> `--seed 7`).
    """
    common.setup(timestep, min_delay, max_delay=max_delay, **extra)
    state = simulator.state
    state.remove_workdir()
    state.clear()
    state.write_on_end = []
    state.dt = timestep
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.machine = machine or os.environ.get("NMEMU_MACHINE", "spinnaker-48")
    state.machine_options = binary.machine_options(extra)
    state.neurons_per_core = {}
    return rank()


def end(compatible_output=True):
    """Write what record(..., to_file=...) asked for and remove the run's working files."""
    state = simulator.state
    for population, variables, filename in state.write_on_end:
        population.write_data(get_io(filename), variables)
    state.write_on_end = []
    state.remove_workdir()


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, _get_min_delay, _get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)


def _delays():
    return [d for p in simulator.state.projections for d in (p._columns["delay"].min(), p._columns["delay"].max())
            if len(p)]


def get_min_delay():
    """The smallest delay allowed: setup()'s min_delay, or with "auto" the network's smallest delay."""
    if simulator.state.min_delay != "auto":
        return _get_min_delay()
    return min(_delays(), default=simulator.state.dt)


def get_max_delay():
    """The largest delay allowed: setup()'s max_delay, or with "auto" what net.json gets (netjson.py)."""
    if simulator.state.max_delay != "auto":
        return _get_max_delay()
    return max(_delays() + [netjson.DEFAULT_MAX_DELAY_STEPS * simulator.state.dt])


def set_number_of_neurons_per_core(neuron_type, max_permitted):
    """The most neurons of `neuron_type` (a cell type class) one SpiNNaker core runs, as in sPyNNaker."""
    simulator.state.network_changed("neurons per core were set")
    simulator.state.neurons_per_core[neuron_type.__name__] = int(max_permitted)


def export_net_json(path, duration_ms):
    """Write the network built so far as net.json running for `duration_ms`, as run() would, to `path`."""
    netjson.write(netjson.build(simulator.state, duration_ms), path)


def _results():
    results = simulator.state.results
    if results is None:
        raise RuntimeError("pyNN.nmemu: nothing has run yet in this segment; call sim.run() first")
    return results


def get_provenance():
    """The last run's provenance.json: every hardware counter, per machine part and in total."""
    return _results().provenance()


def get_mapping():
    """The last run's mapping report (mapping.json)."""
    return _results().mapping()


def get_run_summary():
    """The last run's run.json: timings, rates, lost counters, health, energy."""
    return dict(_results().run)


def get_health():
    """The last run's health verdict: {"verdict": "ok" | "degraded" | "unreliable", "reasons": [...]}."""
    return _results().run["health"]


def get_results_dir():
    """The directory holding the last run's result files (removed by end() and setup())."""
    return _results().out_dir
