"""
PyNN -> net.json -> `nmemu validate` over every cell type, connector and synapse type net.json supports: the
file the backend writes is accepted, and it holds exactly what PyNN made (parameters, connections, weights,
delays, synapse-type parameters).
"""

import json

import numpy as np
import pytest

from pyNN.nmemu.binary import validate
from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.space import Grid2D

CELLS = {
    "IF_curr_exp": {"tau_m": 15.0},
    "IF_curr_alpha": {"tau_syn_E": 0.7},
    "IF_cond_exp": {"e_rev_I": -75.0},
    "IF_cond_alpha": {"tau_syn_I": 0.6},
    "EIF_cond_exp_isfa_ista": {"a": 2.0},
    "Izhikevich": {"d": 8.0},
}


def connectors(sim):
    rng = NumpyRNG(seed=3)
    return {
        "AllToAllConnector": sim.AllToAllConnector(allow_self_connections=False),
        "OneToOneConnector": sim.OneToOneConnector(),
        "FixedProbabilityConnector": sim.FixedProbabilityConnector(0.3, rng=rng),
        "FixedNumberPreConnector": sim.FixedNumberPreConnector(3, rng=rng),
        "FixedNumberPostConnector": sim.FixedNumberPostConnector(2, with_replacement=True, rng=rng),
        "FixedTotalNumberConnector": sim.FixedTotalNumberConnector(20, rng=rng),
        "FromListConnector": sim.FromListConnector([(0, 1, 0.2, 2.0), (3, 5, 0.4, 1.0), (3, 5, 0.1, 3.0)],
                                                   column_names=["weight", "delay"]),
        "DistanceDependentProbabilityConnector": sim.DistanceDependentProbabilityConnector("exp(-d / 2)", rng=rng),
    }


def synapses(sim):
    return {
        "StaticSynapse": sim.StaticSynapse(weight=RandomDistribution("uniform", (0.1, 0.5), NumpyRNG(seed=4)),
                                           delay=2.0),
        "TsodyksMarkramSynapse": sim.TsodyksMarkramSynapse(weight=0.3, delay=1.0, U=0.4, tau_rec=150.0),
        "STDPMechanism/additive": sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(tau_plus=15.0, A_minus=0.02),
            weight_dependence=sim.AdditiveWeightDependence(w_max=0.8), weight=0.25, delay=1.0),
        "STDPMechanism/multiplicative": sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(),
            weight_dependence=sim.MultiplicativeWeightDependence(w_min=0.1), weight=0.25, delay=3.0),
    }




def test_every_cell_connector_and_synapse_type_round_trips(sim, tmp_path):
    grid = Grid2D(aspect_ratio=1.0, dx=1.0, dy=1.0)
    populations = {name: sim.Population(9, getattr(sim, name)(**params), structure=grid, label=name)
                   for name, params in CELLS.items()}
    poisson = sim.Population(9, sim.SpikeSourcePoisson(rate=[5.0 * i for i in range(9)]), label="poisson")
    array = sim.Population(9, sim.SpikeSourceArray(spike_times=[[1.0, 2.0 + i] for i in range(9)]), label="array")
    populations["IF_curr_exp"].initialize(v=RandomDistribution("uniform", (-70.0, -60.0), NumpyRNG(seed=5)))
    populations["IF_cond_exp"].record(["spikes", "gsyn_exc"], sampling_interval=2.0)
    populations["Izhikevich"][2:5].record("u")

    projections = {}
    targets = list(populations.values())
    for k, (connector_name, connector) in enumerate(connectors(sim).items()):
        pre = targets[k % len(targets)]
        projections[connector_name] = sim.Projection(pre, targets[(k + 1) % len(targets)], connector,
                                                     sim.StaticSynapse(weight=0.1, delay=1.0),
                                                     receptor_type="excitatory")
    for k, (synapse_name, synapse) in enumerate(synapses(sim).items()):
        pre = poisson if k % 2 else array
        projections[synapse_name] = sim.Projection(pre, targets[k], sim.FixedProbabilityConnector(0.5), synapse,
                                                   receptor_type="excitatory")
    projections["inhibitory"] = sim.Projection(array, populations["IF_curr_alpha"], sim.AllToAllConnector(),
                                               sim.StaticSynapse(weight=-0.2), receptor_type="inhibitory")

    path = str(tmp_path / "net.json")
    sim.export_net_json(path, 100.0)
    report = validate(path)
    total = sum(len(p) for p in projections.values())
    assert f"synapses: {total:,} " in report, report

    with open(path) as f:
        net = json.load(f)
    by_label = {p["label"]: p for p in net["populations"]}
    assert {p["cell"]["type"] for p in net["populations"]} == set(CELLS) | {"SpikeSourcePoisson",
                                                                           "SpikeSourceArray"}
    for name, params in CELLS.items():
        for key, value in params.items():
            assert by_label[name]["cell"]["params"][key] == value
    assert by_label["poisson"]["cell"]["params"]["rate"] == [5.0 * i for i in range(9)]
    assert by_label["array"]["cell"]["params"]["spike_times"][3] == [1.0, 5.0]
    v = by_label["IF_curr_exp"]["initial"]["v"]
    assert len(set(v)) == 9 and all(-70.0 <= x < -60.0 for x in v)
    assert by_label["IF_cond_exp"]["initial"] == {"v": -65.0, "gsyn_exc": 0.0, "gsyn_inh": 0.0}  # PyNN's, not v_rest
    assert by_label["IF_cond_exp"]["record"] == [{"variables": ["gsyn_exc"], "sampling_interval": 2.0}, "spikes"]
    assert by_label["Izhikevich"]["record"] == [{"variables": ["u"], "indices": [2, 3, 4]}]

    # Each PyNN projection is one net.json projection here, in order, holding PyNN's connections.
    assert len(net["projections"]) == len(projections)
    for part, (name, projection) in zip(net["projections"], projections.items()):
        rows = sorted(tuple(r) for r in part["connector"]["conn_list"])
        made = sorted(projection.get(["weight", "delay"], format="list"))
        assert rows == [tuple(float(x) for x in r) for r in made], name
    kinds = {part["synapse"]["type"] for part in net["projections"]}
    assert kinds == {"StaticSynapse", "TsodyksMarkramSynapse", "STDPMechanism"}
    tm = net["projections"][len(connectors(sim)) + 1]["synapse"]
    assert tm == {"type": "TsodyksMarkramSynapse", "U": 0.4, "tau_rec": 150.0, "tau_facil": 0.0}
    stdp = net["projections"][len(connectors(sim)) + 2]["synapse"]
    assert stdp["timing_dependence"] == {"type": "SpikePairRule", "tau_plus": 15.0, "tau_minus": 20.0,
                                         "A_plus": 0.01, "A_minus": 0.02}
    assert stdp["weight_dependence"] == {"type": "AdditiveWeightDependence", "w_max": 0.8, "w_min": 0.0}


def test_per_synapse_parameters_split_into_one_projection_each(sim, tmp_path):
    pre = sim.Population(4, sim.SpikeSourceArray(spike_times=[1.0]), label="pre")
    post = sim.Population(2, sim.IF_curr_exp(), label="post")
    projection = sim.Projection(pre, post, sim.AllToAllConnector(),
                                sim.TsodyksMarkramSynapse(U=np.array([[0.1, 0.2]] * 4), weight=0.1))
    path = str(tmp_path / "net.json")
    sim.export_net_json(path, 10.0)
    validate(path)
    with open(path) as f:
        parts = json.load(f)["projections"]
    assert sorted(p["synapse"]["U"] for p in parts) == [0.1, 0.2]
    assert sum(len(p["connector"]["conn_list"]) for p in parts) == len(projection) == 8


def test_an_assembly_becomes_one_projection_per_population_pair(sim, tmp_path):
    a = sim.Population(3, sim.IF_curr_exp(), label="a")
    b = sim.Population(2, sim.IF_curr_exp(), label="b")
    src = sim.Population(2, sim.SpikeSourcePoisson(rate=10.0), label="src")
    # receptor_type given: PyNN's guess for an Assembly picks from a set, in no fixed order
    sim.Projection(src, a + b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01), receptor_type="excitatory")
    path = str(tmp_path / "net.json")
    sim.export_net_json(path, 10.0)
    validate(path)
    with open(path) as f:
        parts = json.load(f)["projections"]
    assert [(p["pre"], p["post"], len(p["connector"]["conn_list"])) for p in parts] == [("src", "a", 6),
                                                                                      ("src", "b", 4)]


def test_what_net_json_cannot_hold_is_refused_at_the_call(sim):
    from pyNN.errors import NoModelAvailableError

    with pytest.raises(NoModelAvailableError, match="HH_cond_exp is not available.*IF_curr_exp"):
        sim.HH_cond_exp()
    with pytest.raises(NoModelAvailableError, match="DCSource is not available.*i_offset"):
        sim.DCSource(amplitude=0.5)
    with pytest.raises(NoModelAvailableError, match="Vogels2011Rule is not available.*SpikePairRule"):
        sim.Vogels2011Rule()
    with pytest.raises(NoModelAvailableError, match="dendritic_delay_fraction"):
        sim.STDPMechanism(timing_dependence=sim.SpikePairRule(),
                          weight_dependence=sim.AdditiveWeightDependence(), dendritic_delay_fraction=0.5)
