"""NEST references for the BrainScaleS end-to-end tests (tests/bss.rs): writes net.json files and what NEST
(aeif_cond_exp, iaf_cond_exp via PyNN) makes of them.
usage: bss_nest.py OUTDIR [NMEMU]   (NMEMU: the nmemu binary, default `nmemu` on PATH)

1. bss_adex_single: 10 unconnected EIF_cond_exp_isfa_ista neurons, each driven by a current step from 0 to
   i_offset (0.6 .. 1.5 nA) 200 ms before t = 0 (the wafer's lead-in at 10^4, below), 300 ms. NEST is given
   the parameters the ideal wafer realises, not the requested ones: `nmemu map --machine brainscales-wafer
   --speedup 10000 --mismatch off` of the net, its mapping.json `parameters_realised` (DAC grid, shared
   V_reset, the current stimulus's 10-bit grid), kept in bss_adex_single.realised.nest.json. It runs at a
   resolution of 0.001 ms, so that its own grid (spikes stamped at the end of a step, refractory periods
   ending on step boundaries: up to one step late per spike, accumulating over a train) stays far below
   the net's 0.1 ms timestep -> bss_adex_single.nest.spikes.csv.
   Parameters chosen to fit the wafer at speed-up 10^4 without clipping (delta_T 1 mV: 10 mV on the wafer,
   inside 1.2..13.5 mV; tau_syn 5 ms and tau_refrac 2 ms need 10^4; neurons of 2 circuits, so that the
   current stimulus's 2.5 uA reaches 1.6 nA at this capacitance).
2. bss_adex_net: 100 Poisson sources at 10 Hz onto 100 such AdEx neurons (FixedProbability 0.1, 0.002 uS,
   i_offset 0.5 .. 1.49 nA), 1 s -> bss_adex_net.nest.json: the adex population's mean rate over seeds 1-3.
3. bss_lif_mismatch: 200 identical IF_cond_exp neurons on a DC current (inside the ranges of 10^3) ->
   bss_lif_mismatch.nest.json: the nominal rate, and the mean and CV of rates that the calibrated residual
   spreads of the addendum (spec §11, Brunel demo, big capacitor; the figures of
   brainscales-emu/src/neuron/nonideal.rs) predict, by Monte Carlo over 2000 neurons built as the wafer
   builds a logical neuron of 4 denmems: each denmem draws its own tau_m, E_l and reset offset (leaks add:
   tau = n / sum(1/tau_i), E_l = conductance-weighted mean, reset offset = mean), the firing denmem alone
   sets V_t and the refractory time. Positive quantities are floored at 5 % of nominal as the wafer does.
"""
import json, os, subprocess, sys, tempfile
import numpy as np

out = sys.argv[1]
nmemu = sys.argv[2] if len(sys.argv) > 2 else "nmemu"
os.makedirs(out, exist_ok=True)
import pyNN.nest as sim

DT = 0.1
ADEX = dict(cm=0.281, tau_m=9.3667, tau_refrac=2.0, v_rest=-70.6, v_reset=-70.6, v_thresh=-50.4,
            v_spike=-40.0, delta_T=1.0, a=4.0, b=0.0805, tau_w=144.0, e_rev_E=0.0, tau_syn_E=5.0,
            e_rev_I=-80.0, tau_syn_I=5.0)


def net_json(name, duration, seed, pops, prjs, extensions=None):
    net = {"format": "nmemu-net/1",
           "simulation": {"timestep_ms": DT, "duration_ms": duration, "min_delay_ms": DT, "max_delay_ms": 10.0,
                          "seed": seed},
           "populations": pops, "projections": prjs}
    if extensions:
        net["extensions"] = extensions
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(net, f, indent=1)


def rates(pop, duration):
    trains = pop.get_data('spikes').segments[0].spiketrains
    return np.array([len(st) for st in trains]) * 1000.0 / duration


# 1. single neurons, current steps. On the wafer the current stimulus is on from the end of configuration
# (hardware time 0), 20 us of hardware time before the experiment starts (spec §1.2): 200 ms biological at
# 10^4. NEST runs that lead-in too and its spike times are shifted by it, so t = 0 is the experiment start.
LEAD_IN = 200.0
FINE_DT = 0.001
currents = [round(0.6 + 0.1 * i, 2) for i in range(10)]
net_json("bss_adex_single", 300.0, 1,
         [{"label": "adex", "size": 10, "cell": {"type": "EIF_cond_exp_isfa_ista",
                                                 "params": dict(ADEX, i_offset=currents)}, "record": ["spikes"]}],
         [], {"brainscales": {"neuron_size": {"adex": 2}}})
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([nmemu, "map", "--machine", "brainscales-wafer", "--speedup", "10000", "--mismatch", "off",
                    os.path.join(out, "bss_adex_single.json"), "--out", os.path.join(tmp, "map"), "--quiet"],
                   check=True)
    with open(os.path.join(tmp, "map", "mapping.json")) as f:
        realised = json.load(f)["parameters_realised"]["adex"]
with open(os.path.join(out, "bss_adex_single.realised.nest.json"), "w") as f:
    json.dump(realised, f, indent=1)
sim.setup(timestep=FINE_DT, min_delay=FINE_DT, max_delay=10.0)
p = sim.Population(10, sim.EIF_cond_exp_isfa_ista(**dict(ADEX, **realised)), label="adex")
p.initialize(v=realised["v_rest"])
p.record(['spikes'])
sim.run(LEAD_IN + 300.0)
with open(os.path.join(out, "bss_adex_single.nest.spikes.csv"), "w") as f:
    f.write("population,neuron,time_ms\n")
    rows = [(round(float(t) - LEAD_IN, 4), i) for i, st in enumerate(p.get_data('spikes').segments[0].spiketrains)
            for t in np.asarray(st.magnitude) if t >= LEAD_IN]
    for t, i in sorted(rows):
        f.write("adex,%d,%.4f\n" % (i, t))
sim.end()

# 2. a small AdEx network: Poisson input, DC ramp
ramp = [round(0.5 + 0.01 * i, 2) for i in range(100)]
net_rates = []
for seed in (1, 2, 3):
    sim.setup(timestep=DT, min_delay=DT, max_delay=10.0, rng_seed=seed)
    noise = sim.Population(100, sim.SpikeSourcePoisson(rate=10.0), label="noise")
    adex = sim.Population(100, sim.EIF_cond_exp_isfa_ista(i_offset=ramp, **ADEX), label="adex")
    sim.Projection(noise, adex, sim.FixedProbabilityConnector(0.1), sim.StaticSynapse(weight=0.002, delay=1.0),
                   receptor_type='excitatory')
    adex.record(['spikes'])
    sim.run(1000.0)
    net_rates.append(float(rates(adex, 1000.0).mean()))
    sim.end()
with open(os.path.join(out, "bss_adex_net.nest.json"), "w") as f:
    json.dump({"population": "adex", "mean_rate_hz_per_seed": net_rates,
               "mean_rate_hz": float(np.mean(net_rates))}, f, indent=1)
net_json("bss_adex_net", 1000.0, 1,
         [{"label": "noise", "size": 100, "cell": {"type": "SpikeSourcePoisson", "params": {"rate": 10.0}}},
          {"label": "adex", "size": 100, "cell": {"type": "EIF_cond_exp_isfa_ista",
                                                  "params": dict(ADEX, i_offset=ramp)}, "record": ["spikes"]}],
         [{"label": "noise->adex", "pre": "noise", "post": "adex", "receptor_type": "excitatory",
           "connector": {"type": "FixedProbabilityConnector", "p_connect": 0.1},
           "synapse": {"type": "StaticSynapse", "weight": 0.002, "delay": 1.0}}],
         {"brainscales": {"neuron_size": {"adex": 2}}})

# 3. rate spread under the calibrated residuals
LIF = dict(cm=0.2, tau_m=20.0, tau_refrac=1.0, v_rest=-65.0, v_reset=-70.0, v_thresh=-55.0, tau_syn_E=1.0,
           tau_syn_I=1.0, e_rev_E=0.0, e_rev_I=-80.0, i_offset=0.2)
# Residual bio sigmas (mV, ms), addendum §11 Brunel demo (big capacitor).
SIGMA = dict(e_l=1.96, v_t=1.12, v_reset=4.2, tau_m=2.0, refractory=1.0)
DENMEMS, MC, FLOOR = 4, 2000, 0.05
rng = np.random.default_rng(16)


def positive(nominal, sigma, shape):
    return np.maximum(nominal + sigma * rng.standard_normal(shape), FLOOR * nominal)


tau_i = positive(LIF["tau_m"], SIGMA["tau_m"], (MC, DENMEMS))
e_l_i = LIF["v_rest"] + SIGMA["e_l"] * rng.standard_normal((MC, DENMEMS))
reset_i = SIGMA["v_reset"] * rng.standard_normal((MC, DENMEMS))
g = 1.0 / tau_i
drawn = dict(LIF)
drawn.update(tau_m=DENMEMS / g.sum(axis=1), v_rest=(g * e_l_i).sum(axis=1) / g.sum(axis=1),
             v_reset=LIF["v_reset"] + reset_i.mean(axis=1),
             v_thresh=LIF["v_thresh"] + SIGMA["v_t"] * rng.standard_normal(MC),
             tau_refrac=positive(LIF["tau_refrac"], SIGMA["refractory"], MC))
sim.setup(timestep=DT, min_delay=DT, max_delay=10.0)
nominal = sim.Population(1, sim.IF_cond_exp(**LIF), label="nominal")
spread = sim.Population(MC, sim.IF_cond_exp(**{k: list(v) if isinstance(v, np.ndarray) else v
                                               for k, v in drawn.items()}), label="spread")
for pop in (nominal, spread):
    pop.record(['spikes'])
sim.run(1000.0)
r = rates(spread, 1000.0)
with open(os.path.join(out, "bss_lif_mismatch.nest.json"), "w") as f:
    json.dump({"population": "lif", "denmems_per_neuron": DENMEMS, "monte_carlo_neurons": MC,
               "sigma_bio": SIGMA, "nominal_rate_hz": float(rates(nominal, 1000.0)[0]),
               "predicted_mean_rate_hz": float(r.mean()), "predicted_cv": float(r.std() / r.mean())}, f, indent=1)
sim.end()
net_json("bss_lif_mismatch", 1000.0, 1,
         [{"label": "lif", "size": 200, "cell": {"type": "IF_cond_exp", "params": LIF}, "record": ["spikes"]}], [])
print("ok")
