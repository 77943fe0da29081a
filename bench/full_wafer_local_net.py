"""Writes a network that fills one BrainScaleS wafer and that the wafer realises whole at --speedup 10000: one
module of 128 EIF_cond_exp_isfa_ista neurons (32 inhibitory, 96 excitatory) on every HICANN of wafer rows
FIRST_ROW..LAST_ROW (default 1..14: 360 HICANNs, 46,080 neurons of 4 circuits, 184,320 of the wafer's 196,608
denmems), modules connected to their neighbours on the wafer's HICANN grid, 1 s at dt 0.1 ms.

    python3 bench/full_wafer_local_net.py OUT.json [FIRST_ROW LAST_ROW]

Why this shape (bench/bss_vs_nest.sh compares the wafer with NEST on it, so the wafer must run what NEST runs):
  - Local connectivity. Layer 1 runs out of buses when sources reach across the wafer: random connectivity loses
    most synapses there. Each module is connected to itself (E->E 3, E->I 4, I->E 4, I->I 4 synapses in per
    neuron, FixedNumberPre) and its excitatory neurons to both populations of the 4 modules on the neighbouring
    HICANNs (3 in per neuron from each).
  - A `placement` hint puts each module on its HICANN. Without it the mapper's clustered placement puts each
    module next to its placed partners, which embeds the grid less tidily: this net then loses 2.3 % of its
    synapses (38 % before the placer followed partners, when it filled HICANNs by distance from the centre).
  - Inhibitory neurons first: they fill neuron blocks 0-1 of the HICANN, which the merged output tree sends as
    one bus, so no bus carries both kinds. A bus reaches a HICANN on at most 3 synapse drivers (6 rows), and every
    (synaptic input, 2 address MSBs) class on it needs rows of its own; a mixed bus lost 615 synapses to rows.
  - In-degrees per bus stay low for the same reason: a target neuron's synapses from one bus must fit 6 rows.
  - Drive by Poisson input, not i_offset (a HICANN has 4 current stimuli): 45 sources of 10 Hz per module, the 3
    buses of 15 that the HICANN's free DNC mergers take, each neuron getting 16 of them. That is 450 events/s bio
    per HICANN, a third of its Layer-2 budget at 10^4: Poisson bursts beyond the link's 200 ns release slack are
    dropped, 0.3 % of the input here, 2 % at 585 events/s and 9 % at 1,200.
  - Delays of 0.6 ms: the wafer's Layer-1 latency (0.64 ms bio at 10^4, mapping.json's `delays`) on the 0.1 ms
    grid, since the wafer cannot choose a delay.
Neurons fire at about 7 Hz on NEST (4.8 Hz with the input alone: the recurrent synapses matter). Cell parameters as
tests/data/bss_adex_single.json, which fit the wafer at 10^4.
"""
import json
import sys

out = sys.argv[1]
first_row, last_row = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (1, 14)
# HICANNs present per wafer row y (x from, to), as brainscales-emu's coord.rs (spec brainscales.md §1.1); the enum
# id counts them row by row.
ROW_X = [(12, 23)] * 2 + [(8, 27)] * 2 + [(4, 31)] * 2 + [(0, 35)] * 4 + [(4, 31)] * 2 + [(8, 27)] * 2 + [(12, 23)] * 2
enum = {}
for y, (lo, hi) in enumerate(ROW_X):
    for x in range(lo, hi + 1):
        enum[(x, y)] = len(enum)
hicanns = [h for h in enum if first_row <= h[1] <= last_row]
present = set(hicanns)
INH, EXC = 32, 96
SOURCES, RATE, K_EXT, W_EXT = 45, 10.0, 16, 0.009
K_EE, K_EI, K_IE, K_II, K_NEIGHBOUR = 3, 4, 4, 4, 3
W_E, W_I = 0.005, 0.025
DELAY = 0.6

params = dict(cm=0.281, tau_m=9.3667, tau_refrac=2.0, v_rest=-70.6, v_reset=-70.6, v_thresh=-50.4, v_spike=-40.0,
              delta_T=1.0, a=4.0, b=0.0805, tau_w=144.0, e_rev_E=0.0, tau_syn_E=5.0, e_rev_I=-80.0, tau_syn_I=5.0)
cell = {"type": "EIF_cond_exp_isfa_ista", "params": params}


def label(kind, h):
    return "%s_%d_%d" % (kind, h[0], h[1])


populations, projections, placement = [], [], {}


def project(pre, post, receptor, n, weight):
    projections.append({"label": "%s->%s" % (pre, post), "pre": pre, "post": post, "receptor_type": receptor,
                        "connector": {"type": "FixedNumberPreConnector", "n": n},
                        "synapse": {"type": "StaticSynapse", "weight": weight, "delay": DELAY}})


for h in hicanns:
    populations.append({"label": label("I", h), "size": INH, "cell": cell, "record": ["spikes"]})
    populations.append({"label": label("E", h), "size": EXC, "cell": cell, "record": ["spikes"]})
    populations.append({"label": label("P", h), "size": SOURCES,
                        "cell": {"type": "SpikeSourcePoisson", "params": {"rate": RATE}}})
    placement[label("I", h)] = [enum[h]]
    placement[label("E", h)] = [enum[h]]
for h in hicanns:
    e, i, p = label("E", h), label("I", h), label("P", h)
    project(p, e, "excitatory", K_EXT, W_EXT)
    project(p, i, "excitatory", K_EXT, W_EXT)
    project(e, e, "excitatory", K_EE, W_E)
    project(e, i, "excitatory", K_EI, W_E)
    project(i, e, "inhibitory", K_IE, W_I)
    project(i, i, "inhibitory", K_II, W_I)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        n = (h[0] + dx, h[1] + dy)
        if n in present:
            project(e, label("E", n), "excitatory", K_NEIGHBOUR, W_E)
            project(e, label("I", n), "excitatory", K_NEIGHBOUR, W_E)
net = {"format": "nmemu-net/1",
       "simulation": {"timestep_ms": 0.1, "duration_ms": 1000.0, "min_delay_ms": 0.1, "max_delay_ms": 10.0, "seed": 1},
       "populations": populations, "projections": projections,
       "extensions": {"brainscales": {"placement": placement}}}
json.dump(net, open(out, "w"))
