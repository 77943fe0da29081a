"""pyNN.nmemu against the nmemu binary: what a run gives back, continuing and resetting, options and errors."""

import os

import numpy as np
import pytest
import quantities as pq

from pyNN.nmemu import NmemuError, NmemuWarning

SOURCE_TIMES = [[5.0, 20.0, 21.0, 22.0], [10.0, 30.0]]


def driven_network(sim, weight=6.0):
    """Two spike sources, each driving one current-based neuron hard enough to fire on every input spike."""
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=SOURCE_TIMES), label="src")
    cells = sim.Population(2, sim.IF_curr_exp(tau_refrac=1.0), label="cells")
    sim.Projection(src, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=weight, delay=1.0),
                   receptor_type="excitatory")
    src.record("spikes")
    cells.record(["spikes", "v"])
    return src, cells


def spike_times(population):
    return [st.magnitude.tolist() for st in population.get_data().segments[-1].spiketrains]


def test_spikes_and_signals_come_back_as_neo_blocks(sim):
    src, cells = driven_network(sim)
    sim.run(40.0)
    assert spike_times(src) == SOURCE_TIMES
    block = cells.get_data()
    segment = block.segments[0]
    assert [st.magnitude.tolist() for st in segment.spiketrains] == [[10.0, 22.0, 25.0, 30.0], [15.0, 33.0]]
    assert all(st.t_stop == 40.0 * pq.ms and st.units == pq.ms for st in segment.spiketrains)
    (v,) = segment.analogsignals
    assert v.name == "v" and v.units == pq.mV
    assert v.shape == (41, 2) and v.sampling_period == 1.0 * pq.ms  # PyNN's samples at 0 .. 40 ms
    assert v[0, 0] == -65.0 * pq.mV
    assert block.annotations["simulator"] == "nmemu"
    assert block.annotations["machine"] == "spinnaker-48"
    assert block.annotations["machine_family"] == "spinnaker"
    assert block.annotations["health"] == "ok"
    assert cells.mean_spike_count() == 3.0


def test_a_second_run_continues_the_first(sim):
    src, cells = driven_network(sim)
    sim.run(15.0)
    first = cells.get_data().segments[0]
    sim.run(25.0)
    continued = cells.get_data().segments[0]
    sim.reset()
    sim.run(40.0)
    whole = cells.get_data().segments[1]
    assert [st.magnitude.tolist() for st in continued.spiketrains] == \
        [st.magnitude.tolist() for st in whole.spiketrains]
    np.testing.assert_array_equal(continued.analogsignals[0].magnitude, whole.analogsignals[0].magnitude)
    np.testing.assert_array_equal(first.analogsignals[0].magnitude, whole.analogsignals[0].magnitude[:16])
    assert sim.get_current_time() == 40.0


def test_data_cleared_during_a_run_stays_cleared(sim):
    src, cells = driven_network(sim)
    sim.run(15.0)
    cells.get_data(clear=True)
    sim.run(25.0)
    segment = cells.get_data().segments[0]
    assert all(t >= 15.0 for st in segment.spiketrains for t in st.magnitude)
    assert segment.analogsignals[0].t_start == 15.0 * pq.ms
    assert segment.analogsignals[0].shape == (26, 2)


def test_changing_the_network_after_a_run_is_refused_until_reset(sim):
    src, cells = driven_network(sim)
    sim.run(10.0)
    cells.set(i_offset=0.5)
    with pytest.raises(RuntimeError, match="parameter i_offset of 'cells' was set at t = 10.0 ms.*reset()"):
        sim.run(10.0)
    sim.reset()
    sim.run(10.0)
    assert len(cells.get_data().segments) == 2


def test_reset_starts_a_new_segment_from_the_initial_state(sim):
    src, cells = driven_network(sim)
    sim.run(40.0)
    sim.reset()
    sim.run(40.0)
    first, second = cells.get_data().segments
    assert [st.magnitude.tolist() for st in first.spiketrains] == [st.magnitude.tolist() for st in second.spiketrains]


def plastic_network(sim, w_max=1.0):
    # Each pre spike comes 4 ms before a teacher-driven post spike, and 46 ms after the one before.
    pre = sim.Population(4, sim.SpikeSourceArray(spike_times=[float(t) for t in range(5, 400, 50)]), label="pre")
    post = sim.Population(2, sim.IF_curr_exp(), label="post")
    teacher = sim.Population(1, sim.SpikeSourceArray(spike_times=[float(t) for t in range(8, 400, 50)]))
    sim.Projection(teacher, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=20.0, delay=1.0))
    stdp = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(A_plus=0.05, A_minus=0.05),
                             weight_dependence=sim.AdditiveWeightDependence(w_max=w_max), weight=0.2, delay=1.0)
    return sim.Projection(pre, post, sim.AllToAllConnector(), stdp, receptor_type="excitatory")


def test_plastic_weights_come_back_and_reset_restores_them(sim):
    projection = plastic_network(sim)
    before = projection.get("weight", format="array")
    np.testing.assert_array_equal(before, np.full((4, 2), 0.2))
    sim.run(400.0)
    after = projection.get("weight", format="array")
    assert after.shape == (4, 2) and np.all(after > 0.3), after  # pre before post: potentiated
    assert [(i, j) for i, j, _ in projection.get("weight", format="list")] == \
        [(i, j) for j in range(2) for i in range(4)]
    sim.reset()
    np.testing.assert_array_equal(projection.get("weight", format="array"), before)


def test_machine_options_reach_the_binary_as_flags(sim):
    sim.setup(timestep=1.0, time_scale_factor=2)
    driven_network(sim)
    sim.run(10.0)
    assert sim.get_run_summary()["settings"]["time_scale_factor"] == 2
    sim.setup(timestep=1.0, no_such_option=3)
    driven_network(sim)
    with pytest.raises(NmemuError, match="--no-such-option"):
        sim.run(10.0)


def test_a_missing_binary_names_both_ways_to_give_it(sim, monkeypatch):
    driven_network(sim)
    monkeypatch.delenv("NMEMU_BIN")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(NmemuError, match="set NMEMU_BIN to its path or put `nmemu` on PATH"):
        sim.run(10.0)


def test_provenance_mapping_and_health_are_reachable(sim):
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 10)
    sim.Population(30, sim.IF_curr_exp(i_offset=1.0), label="busy").record("spikes")
    sim.run(20.0)
    assert sim.get_provenance()["summary"]["cores"] >= 3
    mapping = sim.get_mapping()
    assert mapping["format"] == "nmemu-mapping/1"
    assert sorted((s["lo"], s["hi"]) for s in mapping["slices"] if s["population"] == "busy") == \
        [(0, 10), (10, 20), (20, 30)]
    assert sim.get_health() == {"verdict": "ok", "reasons": []}
    assert os.path.isfile(os.path.join(sim.get_results_dir(), "run.json"))


def test_a_degraded_run_warns_with_its_reasons(sim):
    plastic_network(sim, w_max=0.5)  # sPyNNaker's additive rule means A_plus otherwise than NEST when w_max != 1
    with pytest.warns(NmemuWarning, match="health verdict is degraded: .*A_plus"):
        sim.run(20.0)
