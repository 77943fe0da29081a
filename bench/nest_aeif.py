"""NEST's side of the full-wafer comparison (benches/wafer.rs, `wafer::build::recurrent_network`): the same
number of aeif_cond_exp neurons and synapses, Poisson background and sparse recurrent connections, simulated
for BIO_S seconds at NEST's 0.1 ms step; prints one JSON line with the wall time of the Simulate phase.

    python bench/nest_aeif.py NEURONS IN_DEGREE BIO_S THREADS [POISSON_HZ]

The wafer bench has 49,152 neurons of 4 denmems, each with 64 synapse columns (32 from Poisson sources at
14 Hz, 32 recurrent): `python bench/nest_aeif.py 49152 32 0.1 1 448`.

Needs NEST 3.10 (python3 -m venv /tmp/nest && /tmp/nest/bin/pip install nest-simulator==3.10.0).
"""
import json
import sys
import time

import nest

neurons, in_degree, bio_s, threads = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
poisson_hz = float(sys.argv[5]) if len(sys.argv) > 5 else 448.0

nest.set_verbosity("M_ERROR")
nest.ResetKernel()
nest.SetKernelStatus({"local_num_threads": threads, "resolution": 0.1, "rng_seed": 1})
pop = nest.Create("aeif_cond_exp", neurons)
noise = nest.Create("poisson_generator", params={"rate": poisson_hz})
nest.Connect(noise, pop, syn_spec={"weight": 2.0, "delay": 1.0})
nest.Connect(pop, pop, {"rule": "fixed_indegree", "indegree": in_degree},
             {"weight": 0.5, "delay": 1.0})
built = time.time()
nest.Simulate(bio_s * 1000.0)
run_s = time.time() - built
events = nest.GetKernelStatus("local_spike_counter")
print(json.dumps({"neurons": neurons, "in_degree": in_degree, "synapses": neurons * in_degree,
                  "bio_s": bio_s, "threads": threads, "run_s": run_s, "spikes": events,
                  "rate_hz": events / neurons / bio_s}))
