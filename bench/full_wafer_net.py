"""Writes a network that fills one BrainScaleS wafer: NEURONS EIF_cond_exp_isfa_ista neurons (default 48,000:
192,000 circuits at neuron_size 4, of the wafer's 196,608), each driven by its own constant current (a ramp, so
that they do not fire in step) and IN_DEGREE recurrent excitatory synapses from FixedNumberPre, 1 s at dt 0.1 ms.
Parameters fit the wafer at --speedup 10000 (as tests/data/bss_adex_single.json).

    python3 bench/full_wafer_net.py OUT.json [NEURONS] [IN_DEGREE]
"""
import json
import sys

out = sys.argv[1]
neurons = int(sys.argv[2]) if len(sys.argv) > 2 else 48000
in_degree = int(sys.argv[3]) if len(sys.argv) > 3 else 20
params = dict(cm=0.281, tau_m=9.3667, tau_refrac=2.0, v_rest=-70.6, v_reset=-70.6, v_thresh=-50.4, v_spike=-40.0,
              delta_T=1.0, a=4.0, b=0.0805, tau_w=144.0, e_rev_E=0.0, tau_syn_E=5.0, e_rev_I=-80.0, tau_syn_I=5.0,
              i_offset={"distribution": "uniform", "low": 0.45, "high": 0.75})
net = {"format": "nmemu-net/1",
       "simulation": {"timestep_ms": 0.1, "duration_ms": 1000.0, "min_delay_ms": 0.1, "max_delay_ms": 10.0, "seed": 1},
       "populations": [{"label": "adex", "size": neurons, "cell": {"type": "EIF_cond_exp_isfa_ista", "params": params},
                        "record": ["spikes"]}],
       "projections": [{"label": "recurrent", "pre": "adex", "post": "adex", "receptor_type": "excitatory",
                        "connector": {"type": "FixedNumberPreConnector", "n": in_degree},
                        "synapse": {"type": "StaticSynapse", "weight": 0.0005, "delay": 1.0}}]}
json.dump(net, open(out, "w"), indent=1)
