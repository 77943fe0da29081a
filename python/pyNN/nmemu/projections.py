"""
Projections: PyNN's connectors make the connections on the host (netjson.py says why), kept as one array per
attribute (pre and post positions, weight, delay, the synapse type's parameters) in the order the connector
made them. That order is the synapse order of the net.json lists, so the machine's final plastic weights
(`<label>.weights.npy`, one row per synapse in that order) come back row for row.
"""

import numpy as np

from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .netjson import check_synapse_type, synapse
from .standardmodels import StaticSynapse


#: The most net.json projections one PyNN projection becomes (see Projection._net_json_parts).
MAX_PARTS = 1000


class Connection(common.Connection):
    """One connection, for code that walks `projection.connections`; its attributes read and write the
    projection's arrays."""

    def __init__(self, projection, i):
        object.__setattr__(self, "_projection", projection)
        object.__setattr__(self, "_i", i)

    def __getattr__(self, name):
        return self._projection._column(name)[self._i].item()

    def __setattr__(self, name, value):
        self._projection._set_column(name, self._i, value)

    def as_tuple(self, *names):
        return tuple(getattr(self, name) for name in names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector, synapse_type=None,
                 source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population, connector,
                                   synapse_type, source, receptor_type, space, label)
        check_synapse_type(self.synapse_type)  # refuses a type net.json lacks here, at the call that used it
        self._chunks = []
        connector.connect(self)
        self._columns = self._gather_chunks()
        # The weights every run starts from; a plastic projection's weights move away from them in a run.
        self._initial_weight = self._columns["weight"].copy()
        self._parts = []
        simulator.state.network_changed(f"projection '{self.label}' was created")
        simulator.state.projections.append(self)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("pyNN.nmemu: the machines run point neurons; location_selector must be None")
        pre = np.asarray(presynaptic_indices, dtype=int).ravel()
        chunk = {"presynaptic_index": pre, "postsynaptic_index": np.full(pre.size, int(postsynaptic_index))}
        for name, value in connection_parameters.items():
            chunk[name] = np.broadcast_to(np.asarray(value, dtype=float), (pre.size,)).copy()
        self._chunks.append(chunk)

    def _gather_chunks(self):
        names = ["presynaptic_index", "postsynaptic_index"] + self.synapse_type.get_native_names(
            *self.synapse_type.get_parameter_names())
        if not self._chunks:
            return {name: np.zeros(0, dtype=int if name.endswith("index") else float) for name in names}
        columns = {name: np.concatenate([chunk[name] for chunk in self._chunks]) for name in self._chunks[0]}
        self._chunks = []
        return columns

    def __len__(self):
        return int(self._columns["presynaptic_index"].size)

    @property
    def connections(self):
        return [Connection(self, i) for i in range(len(self))]

    def _column(self, name):
        if name not in self._columns:
            raise errors.NonExistentParameterError(name, self.synapse_type,
                                                   self.synapse_type.get_parameter_names())
        return self._columns[name]

    def _set_column(self, name, i, value):
        simulator.state.network_changed(f"synapses of '{self.label}' were set")
        if name.endswith("index"):
            raise AttributeError(f"pyNN.nmemu: a connection's {name} cannot change")
        self._column(name)[i] = value
        if name == "weight":
            self._initial_weight[i] = value

    def _get_attributes_as_list(self, names):
        columns = [self._column(name) for name in names]
        return [tuple(c[i].item() for c in columns) for i in range(len(self))]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        combine = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        pre, post = self._columns["presynaptic_index"], self._columns["postsynaptic_index"]
        arrays = []
        for name in names:
            values = np.full((self.pre.size, self.post.size), np.nan)
            column = self._column({"weights": "weight", "delays": "delay"}.get(name, name))
            for i, j, x in zip(pre, post, column):
                values[i, j] = x if np.isnan(values[i, j]) else combine(values[i, j], x)
            arrays.append(values)
        return arrays

    def _set_attributes(self, parameter_space):
        simulator.state.network_changed(f"synapses of '{self.label}' were set")
        parameter_space.evaluate()
        pre, post = self._columns["presynaptic_index"], self._columns["postsynaptic_index"]
        for name, value in parameter_space.items():
            matrix = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
            self._column(name)[:] = matrix[pre, post]
        self._initial_weight = self._columns["weight"].copy()

    def _net_json_parts(self, labels, number):
        """This projection as net.json projections: one per pair of populations it connects and set of
        synapse-type parameters (net.json gives each projection one; PyNN allows one per synapse)."""
        self._parts = []
        if len(self) == 0:
            return []
        pre_pops, pre_index = _parents(self.pre, self._columns["presynaptic_index"])
        post_pops, post_index = _parents(self.post, self._columns["postsynaptic_index"])
        shared = [name for name in self._columns
                  if name not in ("presynaptic_index", "postsynaptic_index", "weight", "delay")]
        keys = np.column_stack([pre_pops, post_pops] + [self._columns[name] for name in shared])
        groups, group_of = np.unique(keys, axis=0, return_inverse=True)
        if len(groups) > MAX_PARTS:
            raise ValueError(
                f"pyNN.nmemu: projection '{self.label}' would need {len(groups)} net.json projections (one per "
                f"pair of populations and set of {', '.join(shared)}); at most {MAX_PARTS} are made: give these "
                "parameters fewer distinct values")
        parts = []
        for k, group in enumerate(groups):
            rows = np.nonzero(group_of.ravel() == k)[0]
            label = f"projection{number}" if len(groups) == 1 else f"projection{number}.{k}"
            self._parts.append((label, rows))
            conn_list = np.column_stack([pre_index[rows], post_index[rows], self._initial_weight[rows],
                                         self._columns["delay"][rows]])
            parts.append({
                "label": label,
                "pre": labels[simulator.state.populations[int(group[0])]],
                "post": labels[simulator.state.populations[int(group[1])]],
                "receptor_type": self.receptor_type,
                "connector": {"type": "FromListConnector",
                              "conn_list": [[int(r[0]), int(r[1]), float(r[2]), float(r[3])] for r in conn_list]},
                "synapse": synapse(self.synapse_type, dict(zip(shared, group[2:].tolist()))),
            })
        return parts

    def _read_results(self, results):
        """After a run: a plastic projection's weights are the machine's final ones."""
        if type(self.synapse_type).__name__ != "STDPMechanism":
            return
        for label, rows in self._parts:
            self._columns["weight"][rows] = results.final_weights(label)

    def _reset_weights(self):
        """reset() sets synaptic weights back to their initial values, as PyNN's reset() says."""
        self._columns["weight"][:] = self._initial_weight


def _parents(view, positions):
    """For positions in a population, view or assembly: each one's population (index in the state's list)
    and its index within that population."""
    populations = simulator.state.populations
    firsts = np.array([int(p.first_id) for p in populations])
    ids = np.asarray(view.all_cells, dtype=int)[positions]
    which = np.searchsorted(firsts, ids, side="right") - 1
    return which, ids - firsts[which]
