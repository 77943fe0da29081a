"""
Projections: PyNN's connectors make the connections on the host (netjson.py says why), kept as arrays of
pre and post positions, weights and delays in the order the connector made them. That order is the synapse
order of the net.json lists, so the machine's final plastic weights (`<label>.weights.npy`, one row per
synapse in that order) come back row for row.
"""

import numpy as np

from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .netjson import homogeneous_value, synapse
from .standardmodels import StaticSynapse


class Connection(common.Connection):
    """One connection, for code that walks `projection.connections`."""

    def __init__(self, projection, i):
        self.presynaptic_index = int(projection._pre[i])
        self.postsynaptic_index = int(projection._post[i])
        self.weight = float(projection._weight[i])
        self.delay = float(projection._delay[i])

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
        synapse(self.synapse_type)  # refuses a synapse type net.json lacks here, at the call that used it
        self._chunks = []
        connector.connect(self)
        self._pre, self._post, self._weight, self._delay = self._gather_chunks()
        # The weights every run starts from; a plastic projection's `_weight` moves away from them in a run.
        self._initial_weight = self._weight.copy()
        simulator.state.network_changed(f"projection '{self.label}' was created")
        simulator.state.projections.append(self)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index, location_selector=None,
                            **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("pyNN.nmemu: the machines run point neurons; location_selector must be None")
        pre = np.asarray(presynaptic_indices, dtype=int).ravel()
        n = pre.size

        def per_synapse(name):
            return np.broadcast_to(np.asarray(connection_parameters[name], dtype=float), (n,)).copy()

        self._chunks.append((pre, np.full(n, int(postsynaptic_index)), per_synapse("weight"), per_synapse("delay")))

    def _gather_chunks(self):
        if not self._chunks:
            return np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0), np.zeros(0)
        parts = [np.concatenate(column) for column in zip(*self._chunks)]
        self._chunks = []
        return tuple(parts)

    def __len__(self):
        return int(self._pre.size)

    @property
    def connections(self):
        return [Connection(self, i) for i in range(len(self))]

    def _column(self, name):
        columns = {"presynaptic_index": self._pre, "postsynaptic_index": self._post, "weight": self._weight,
                   "delay": self._delay}
        if name in columns:
            return columns[name]
        if name in self.synapse_type.parameter_space.keys():
            return np.full(len(self), homogeneous_value(self.synapse_type.parameter_space[name]))
        raise errors.NonExistentParameterError(name, self.synapse_type, self.synapse_type.get_parameter_names())

    def _get_attributes_as_list(self, names):
        columns = [self._column(name) for name in names]
        index_names = ("presynaptic_index", "postsynaptic_index")
        return [tuple(int(c[i]) if name in index_names else float(c[i]) for name, c in zip(names, columns))
                for i in range(len(self))]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        combine = common.Projection.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        arrays = []
        for name in names:
            values = np.full((self.pre.size, self.post.size), np.nan)
            column = self._column(name[:-1] if name.endswith("s") else name)
            for i, j, x in zip(self._pre, self._post, column):
                values[i, j] = x if np.isnan(values[i, j]) else combine(values[i, j], x)
            arrays.append(values)
        return arrays

    def _set_attributes(self, parameter_space):
        simulator.state.network_changed(f"synapses of '{self.label}' were set")
        for name, value in parameter_space.items():
            if name not in ("weight", "delay"):
                raise ValueError(f"pyNN.nmemu: Projection.set({name}=...) is not available: net.json holds one "
                                 f"{name} per projection; give it to the synapse type when creating the projection")
        parameter_space.evaluate()
        for name, value in parameter_space.items():
            matrix = np.broadcast_to(np.asarray(value, dtype=float), (self.pre.size, self.post.size))
            column = self._weight if name == "weight" else self._delay
            column[:] = matrix[self._pre, self._post]
        self._initial_weight = self._weight.copy()

    def _net_json_parts(self, labels, number):
        """This projection as net.json projections: one per pair of populations it connects."""
        self._parts = []
        if len(self) == 0:
            return []
        pre_pops, pre_index = _parents(self.pre, self._pre)
        post_pops, post_index = _parents(self.post, self._post)
        parts = []
        pairs = sorted(set(zip(pre_pops.tolist(), post_pops.tolist())))
        for k, (a, b) in enumerate(pairs):
            rows = np.nonzero((pre_pops == a) & (post_pops == b))[0]
            label = f"projection{number}" if len(pairs) == 1 else f"projection{number}.{k}"
            self._parts.append((label, rows))
            conn_list = np.column_stack([pre_index[rows], post_index[rows], self._initial_weight[rows],
                                         self._delay[rows]])
            parts.append({
                "label": label,
                "pre": labels[simulator.state.populations[a]],
                "post": labels[simulator.state.populations[b]],
                "receptor_type": self.receptor_type,
                "connector": {"type": "FromListConnector",
                              "conn_list": [[int(r[0]), int(r[1]), float(r[2]), float(r[3])] for r in conn_list]},
                "synapse": synapse(self.synapse_type),
            })
        return parts

    def _read_results(self, results):
        """After a run: a plastic projection's weights are the machine's final ones."""
        if type(self.synapse_type).__name__ != "STDPMechanism":
            return
        for label, rows in self._parts:
            self._weight[rows] = results.final_weights(label)

    def _reset_weights(self):
        """reset() sets synaptic weights back to their initial values, as PyNN's reset() says."""
        self._weight[:] = self._initial_weight


def _parents(view, positions):
    """For positions in a population, view or assembly: each one's population (index in the state's list)
    and its index within that population."""
    populations = simulator.state.populations
    firsts = np.array([int(p.first_id) for p in populations])
    ids = np.asarray(view.all_cells, dtype=int)[positions]
    which = np.searchsorted(firsts, ids, side="right") - 1
    return which, ids - firsts[which]
