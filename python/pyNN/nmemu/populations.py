"""
Populations, views and assemblies, on PyNN's common classes as its mock backend has them.

A population keeps its parameters and initial values as PyNN evaluated them, one value per neuron (in
`_parameters` and `_initial`); net.json is written from these at run().
"""

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify

from . import simulator
from .recording import Recorder


class Assembly(common.Assembly):
    _simulator = simulator


class _ParameterAccess:
    """Parameter reading shared by populations and views: the standard names are net.json's."""

    def _get_parameters(self, *names):
        return self.celltype.reverse_translate(self._get_native_parameters(*self.celltype.get_native_names(*names)))


class PopulationView(_ParameterAccess, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_native_parameters(self, *names):
        return ParameterSpace({name: simplify(self.parent._parameters[name][self.mask]) for name in names},
                              shape=(self.size,))

    def _set_parameters(self, parameter_space):
        for name, value in parameter_space.items():
            value.shape = (self.size,)
            self._store(name, np.arange(self.size), value.evaluate(simplify=False), self.label)

    def _store(self, name, where, values, label):
        self.parent._store(name, np.arange(self.parent.size)[self.mask][where], values, label)

    def _set_initial_value_array(self, variable, initial_values):
        simulator.state.network_changed(f"initial values of '{self.label}' were set")
        initial_values.shape = (self.size,)
        self.parent._initial_array(variable)[self.mask] = initial_values.evaluate(simplify=False)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def set_max_atoms_per_core(self, n):
        raise ValueError("pyNN.nmemu: set_max_atoms_per_core() applies to a whole population; call it on "
                         f"'{self.parent.label}' (the machine slices populations, not views)")


class Population(_ParameterAccess, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        state = simulator.state
        state.network_changed(f"population '{self.label}' was created")
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), dtype=bool)
        parameter_space = self.celltype.native_parameters
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        self._parameters = parameter_space.as_dict()
        if "spike_times" in self._parameters:
            _check_sorted(self._parameters["spike_times"], self.label)
        self._initial = {}
        self._neurons_per_core = None
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        state.populations.append(self)

    def _initial_array(self, variable):
        if variable not in self._initial:
            self._initial[variable] = np.zeros(self.size)
        return self._initial[variable]

    def _set_initial_value_array(self, variable, initial_values):
        simulator.state.network_changed(f"initial values of '{self.label}' were set")
        initial_values.shape = (self.size,)
        self._initial_array(variable)[:] = initial_values.evaluate(simplify=False)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_native_parameters(self, *names):
        return ParameterSpace({name: simplify(self._parameters[name]) for name in names}, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        for name, value in parameter_space.items():
            self._store(name, slice(None), value, self.label)

    def _store(self, name, where, values, label):
        """Set parameter `name` of the neurons `where`. New spike times of a SpikeSourceArray during a run
        keep the times already past, so that continuing the run can replay them (simulator.py)."""
        if name == "spike_times":
            _check_sorted(values, label)
            if simulator.state.t > 0:
                values = _keep_past(self._parameters[name][where], values, simulator.state.t)
        else:
            simulator.state.network_changed(f"parameter {name} of '{label}' was set")
        self._parameters[name][where] = values

    def set_max_atoms_per_core(self, n):
        """The most neurons of this population one SpiNNaker core runs, as sPyNNaker's method of this name."""
        simulator.state.network_changed(f"neurons per core of '{self.label}' were set")
        self._neurons_per_core = int(n)


def _times(sequence):
    return np.asarray(sequence.value if isinstance(sequence, Sequence) else sequence, dtype=float)


def _check_sorted(spike_times, label):
    for i, sequence in enumerate(np.asarray(spike_times, dtype=object).ravel()):
        times = _times(sequence)
        if np.any(np.diff(times) < 0):
            raise errors.InvalidParameterValueError(
                f"pyNN.nmemu: the spike_times of neuron {i} of '{label}' are not in ascending order: {times}")


def _keep_past(old, new, t):
    """Per neuron: the old spike times before `t`, then the new ones from `t` on."""
    old = np.asarray(old, dtype=object).ravel()
    new = np.broadcast_to(np.asarray(new, dtype=object), old.shape)
    merged = np.empty(old.shape, dtype=object)
    for i, (before, after) in enumerate(zip(old, new)):
        before, after = _times(before), _times(after)
        merged[i] = Sequence(np.concatenate([before[before < t], after[after >= t]]))
    return merged
