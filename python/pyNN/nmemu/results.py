"""
Reading a result set of `nmemu run` (docs/outputs.md) back: spikes, traces, plastic weights, the run summary,
provenance and the mapping report.

Spikes are read from spikes.csv, which names populations exactly as net.json does, and traces through their
`.json` descriptions, which say population and variable; so no file name has to be derived from a label.
Plastic weights are read from `<projection label>.weights.npy`, whose labels this backend chose (plain ASCII).
"""

import csv
import glob
import json
import os
import warnings
from collections import defaultdict

import numpy as np


#: The result files that are no trace description (docs/outputs.md §1).
SUMMARY_FILES = ("run.json", "provenance.json", "mapping.json")


class NmemuWarning(UserWarning):
    """Something the machine reported: a health verdict other than ok, or a mapping note."""


class Results:

    def __init__(self, out_dir):
        self.out_dir = out_dir
        with open(os.path.join(out_dir, "run.json")) as f:
            self.run = json.load(f)
        self._spikes = self._read_spikes()
        self._traces = self._read_trace_descriptions()

    def _read_spikes(self):
        neurons, times = defaultdict(list), defaultdict(list)
        with open(os.path.join(self.out_dir, "spikes.csv"), newline="") as f:
            rows = csv.reader(f)
            next(rows)
            for population, neuron, time_ms in rows:
                neurons[population].append(int(neuron))
                times[population].append(float(time_ms))
        return {p: (np.array(neurons[p], dtype=int), np.array(times[p], dtype=float)) for p in neurons}

    def _read_trace_descriptions(self):
        traces = {}
        for path in glob.glob(os.path.join(self.out_dir, "*.json")):
            if os.path.basename(path) in SUMMARY_FILES:
                continue
            with open(path) as f:
                meta = json.load(f)
            if isinstance(meta, dict) and "population" in meta and "variable" in meta and "neuron_indices" in meta:
                traces[(meta["population"], meta["variable"])] = (path[: -len(".json")] + ".npy", meta)
        return traces

    def spikes(self, population_label):
        """(neuron indices, times in ms) of one population, by time then neuron."""
        return self._spikes.get(population_label, (np.zeros(0, dtype=int), np.zeros(0)))

    def trace(self, population_label, variable):
        """(samples x recorded neurons array, the neurons' indices, sampling interval in ms)."""
        path, meta = self._traces[(population_label, variable)]
        return np.load(path), list(meta["neuron_indices"]), meta["sampling_interval_ms"]

    def final_weights(self, projection_label):
        """The plastic projection's final weights, in its synapse order (= list order)."""
        return np.load(os.path.join(self.out_dir, f"{projection_label}.weights.npy"))[:, 2]

    def _json(self, name):
        with open(os.path.join(self.out_dir, name)) as f:
            return json.load(f)

    def provenance(self):
        return self._json("provenance.json")

    def mapping(self):
        return self._json("mapping.json")

    def warn_about_health(self):
        """The health verdict through Python's warnings; its reasons include the mapper's numerical warnings."""
        health = self.run.get("health", {})
        if health.get("verdict", "ok") != "ok":
            reasons = "; ".join(f"{r.get('what')} ({r.get('advice')})" for r in health.get("reasons", []))
            warnings.warn(f"pyNN.nmemu: the run's health verdict is {health['verdict']}: {reasons}", NmemuWarning)
