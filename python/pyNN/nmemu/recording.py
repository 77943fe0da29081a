"""
Recording: what a population records becomes its net.json `record` entries, and the run's result files come
back through PyNN's Recorder, which builds the Neo segments (spike trains and analog signals with units).

Data cleared with `get_data(clear=True)` stays cleared: after a clear at time t only what the machine recorded
from t on is returned (the continued run replays the earlier part, see simulator.py).
"""

import numpy as np

from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._cleared_at = 0.0

    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        simulator.state.network_changed(f"recording of '{self.population.label}' was changed")

    def _reset(self):
        simulator.state.network_changed(f"recording of '{self.population.label}' was changed")

    def _clear_simulator(self):
        self._cleared_at = simulator.state.t

    def store_to_cache(self, annotations=None):
        super().store_to_cache(annotations)
        self._cleared_at = 0.0

    def net_json_record(self, dt):
        """This population's net.json `record` entries."""
        entries = []
        for variable in sorted(self.recorded, key=lambda v: v.name):
            ids = self.recorded[variable]
            if not ids:
                continue
            indices = sorted(int(i) for i in self.population.id_to_index(np.array(sorted(ids))))
            entry = {"variables": [variable.name]}
            if len(indices) < self.population.size:
                entry["indices"] = indices
            if variable.name != "spikes" and abs(self.sampling_interval - dt) > 1e-12:
                entry["sampling_interval"] = self.sampling_interval
            entries.append(entry if len(entry) > 1 else variable.name)
        return entries

    def _label(self):
        return simulator.state.results_label(self.population)

    def _get_spiketimes(self, ids, clear=False):
        results = simulator.state.results
        ids = np.array(ids, dtype=int)
        if results is None or ids.size == 0:
            return ids[:0], np.zeros(0)
        neurons, times = results.spikes(self._label())
        cells = np.asarray(self.population.all_cells, dtype=int)[neurons]
        keep = np.isin(cells, ids) & (times >= self._cleared_at)
        if clear:
            self._cleared_at = simulator.state.t
        return cells[keep], times[keep]

    def _get_all_signals(self, variable, ids, clear=False):
        results = simulator.state.results
        if results is None or not ids:
            return np.zeros((0, len(ids))), None
        samples, neuron_indices, interval = results.trace(self._label(), variable.name)
        column = {n: j for j, n in enumerate(neuron_indices)}
        wanted = [column[int(i)] for i in self.population.id_to_index(np.array(ids, dtype=int))]
        first = int(round(self._cleared_at / interval))
        last = int(simulator.state.t / interval + 1e-9)  # the sample at t, not the extra tick's (simulator.py)
        if clear:
            self._cleared_at = simulator.state.t
        return samples[first:last + 1, wanted], None

    def _local_count(self, variable, filter_ids=None):
        ids = sorted(self.filter_recorded(variable, filter_ids))
        cells, _ = self._get_spiketimes(ids)
        counts = dict.fromkeys((int(i) for i in ids), 0)
        for cell, n in zip(*np.unique(cells, return_counts=True)):
            counts[int(cell)] = int(n)
        return counts

    @property
    def metadata(self):
        metadata = super().metadata
        results = simulator.state.results
        metadata["machine"] = simulator.state.machine
        if results is not None:
            metadata["machine_family"] = results.run.get("machine_family")
            metadata["health"] = results.run.get("health", {}).get("verdict")
        return metadata
