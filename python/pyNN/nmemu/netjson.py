"""
The PyNN network as net.json (docs/net-json.md, the normative format).

Parameters and initial values are written as PyNN evaluated them (a number when all neurons share it, else one
per neuron), so random distributions draw from the script's own RNGs, as on every other backend.
Connections are made by PyNN's own connector code on the host, as sPyNNaker does for the connectors its
machine-side expander cannot generate; each projection is written as a `FromListConnector` with a weight and a
delay per synapse. So every PyNN connector, callables and distance expressions included, gives the same
connections as on pyNN.nest with the same RNG, and `Projection.get()` reads exactly what the machine runs.
A PyNN projection between assemblies becomes one net.json projection per pair of populations.
"""

import json
import math

import numpy as np

from pyNN.parameters import Sequence

from .standardmodels import CELL_TYPES, INITIAL_VARIABLES

#: net.json's default max_delay_ms is 144 timesteps (docs/net-json.md §2).
DEFAULT_MAX_DELAY_STEPS = 144


def _finite(value, where):
    if not math.isfinite(value):
        raise ValueError(f"pyNN.nmemu: {where} is {value}; net.json takes finite numbers only")
    return value


def value(array, where):
    """One number when every neuron has it, else a list of one number per neuron."""
    array = np.asarray(array, dtype=float).ravel()
    for x in array:
        _finite(float(x), where)
    if array.size > 0 and np.all(array == array[0]):
        return float(array[0])
    return [float(x) for x in array]


def spike_times(array):
    """SpikeSourceArray's `spike_times`: one list for all neurons when they share it, else one per neuron."""
    lists = [[float(t) for t in (s.value if isinstance(s, Sequence) else s)] for s in np.asarray(array).ravel()]
    if all(times == lists[0] for times in lists):
        return lists[0]
    return lists


def population_labels(populations):
    """Each population's net.json label: its PyNN label, suffixed where PyNN labels repeat."""
    labels, seen = {}, set()
    for population in populations:
        label, n = population.label, 1
        while label in seen:
            n += 1
            label = f"{population.label}_{n}"
        seen.add(label)
        labels[population] = label
    return labels


def _population(population, label, dt):
    celltype = population.celltype
    type_name = type(celltype).__name__
    if CELL_TYPES.get(type_name) is not type(celltype):
        raise TypeError(f"pyNN.nmemu: population '{population.label}' has cell type {type_name} of another "
                        f"backend; use pyNN.nmemu's cell types ({', '.join(CELL_TYPES)})")
    params = {}
    for name in celltype.default_parameters:
        stored = population._parameters[name]
        if name == "spike_times":
            params[name] = spike_times(stored)
        else:
            params[name] = value(stored, f"population '{population.label}' parameter {name}")
    entry = {"label": label, "size": int(population.size), "cell": {"type": type_name, "params": params}}
    initial = {
        name: value(population._initial[name], f"population '{population.label}' initial value {name}")
        for name in INITIAL_VARIABLES[type_name] if name in population._initial
    }
    if initial:
        entry["initial"] = initial
    record = population.recorder.net_json_record(dt)
    if record:
        entry["record"] = record
    return entry


#: The synapse types of net.json and the parameters each takes besides weight and delay.
SYNAPSE_TYPES = {"StaticSynapse": (), "TsodyksMarkramSynapse": ("U", "tau_rec", "tau_facil"), "STDPMechanism": ()}


def check_synapse_type(synapse_type):
    kind = type(synapse_type).__name__
    if kind not in SYNAPSE_TYPES or type(synapse_type).__module__ != __package__ + ".standardmodels":
        raise TypeError(f"pyNN.nmemu: synapse type {kind} is not one of pyNN.nmemu's; use sim.StaticSynapse, "
                        "sim.TsodyksMarkramSynapse or sim.STDPMechanism")


def synapse(synapse_type, values):
    """The synapse object of a net.json projection from one set of the synapse type's parameter `values`;
    weights and delays come per row of the list."""
    kind = type(synapse_type).__name__
    where = f"{kind} parameter"
    if kind == "STDPMechanism":
        td, wd = synapse_type.timing_dependence, synapse_type.weight_dependence
        return {
            "type": kind,
            "timing_dependence": {"type": type(td).__name__,
                                  **{n: _finite(values[n], f"{where} {n}") for n in td.default_parameters}},
            "weight_dependence": {"type": type(wd).__name__,
                                  **{n: _finite(values[n], f"{where} {n}") for n in wd.default_parameters}},
        }
    return {"type": kind, **{n: _finite(values[n], f"{where} {n}") for n in SYNAPSE_TYPES[kind]}}


def build(state, duration_ms):
    """The whole network of `state` as a net.json document running for `duration_ms`."""
    labels = population_labels(state.populations)
    simulation = {"timestep_ms": state.dt, "duration_ms": duration_ms}
    if state.min_delay != "auto":
        simulation["min_delay_ms"] = state.min_delay
    projections = [part for number, projection in enumerate(state.projections)
                   for part in projection._net_json_parts(labels, number)]
    longest = max((row[3] for part in projections for row in part["connector"]["conn_list"]), default=0.0)
    if state.max_delay != "auto":
        simulation["max_delay_ms"] = state.max_delay
    else:
        simulation["max_delay_ms"] = max(DEFAULT_MAX_DELAY_STEPS * state.dt, longest)
    network = {
        "format": "nmemu-net/1",
        "simulation": simulation,
        "populations": [_population(p, labels[p], state.dt) for p in state.populations],
        "projections": projections,
    }
    hints = dict(state.neurons_per_core)
    hints.update({labels[p]: p._neurons_per_core for p in state.populations if p._neurons_per_core})
    if hints:
        network["extensions"] = {"spinnaker": {"neurons_per_core": hints}}
    return network


def write(network, path):
    with open(path, "w") as f:
        json.dump(network, f, allow_nan=False)
