"""Runs a net.json on NEST through PyNN and prints one JSON line with the wall time of the run phase and the
spikes of every recorded population, so that nmemu and NEST can be timed on the same network. Covers what the
BrainScaleS benches use: cell parameters (numbers, per-neuron lists, uniform or normal distributions),
SpikeSourcePoisson/SpikeSourceArray, the FixedProbability, FixedNumberPre, AllToAll and OneToOne connectors, static
synapses with one weight and delay. Anything else is refused.

    python bench/netjson_nest.py NET.json [THREADS]

Needs NEST 3.10 and PyNN 0.13 (python3 -m venv /tmp/nest && /tmp/nest/bin/pip install nest-simulator==3.10.0
pyNN==0.13.0).
"""
import json
import sys
import time

net = json.load(open(sys.argv[1]))
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
import pyNN.nest as sim

s = net["simulation"]
sim.setup(timestep=s.get("timestep_ms", 1.0), min_delay=s.get("min_delay_ms", s.get("timestep_ms", 1.0)),
          max_delay=s.get("max_delay_ms", 10.0), threads=threads, rng_seed=s.get("seed", 1))


def value(v):
    """A parameter value: a number, a list, or a uniform/normal distribution."""
    if isinstance(v, dict):
        kind = v["distribution"]
        if kind == "uniform":
            return sim.random.RandomDistribution("uniform", low=v["low"], high=v["high"])
        if kind == "normal":
            return sim.random.RandomDistribution("normal", mu=v["mu"], sigma=v["sigma"])
        sys.exit("distribution %s: not covered by this script" % kind)
    return v


pops = {}
recorded = []
for p in net["populations"]:
    params = {k: value(v) for k, v in p["cell"].get("params", {}).items()}
    cell = getattr(sim, p["cell"]["type"])(**params)
    pops[p["label"]] = sim.Population(p["size"], cell, label=p["label"])
    if "spikes" in p.get("record", []):
        pops[p["label"]].record("spikes")
        recorded.append(pops[p["label"]])
for j in net.get("projections", []):
    c = j["connector"]
    kind = c["type"]
    if kind == "FixedProbabilityConnector":
        conn = sim.FixedProbabilityConnector(c["p_connect"])
    elif kind == "FixedNumberPreConnector":
        conn = sim.FixedNumberPreConnector(c["n"])
    elif kind == "AllToAllConnector":
        conn = sim.AllToAllConnector()
    elif kind == "OneToOneConnector":
        conn = sim.OneToOneConnector()
    else:
        sys.exit("connector %s: not covered by this script" % kind)
    syn = j.get("synapse", {"type": "StaticSynapse"})
    if syn["type"] != "StaticSynapse":
        sys.exit("synapse %s: not covered by this script" % syn["type"])
    sim.Projection(pops[j["pre"]], pops[j["post"]], conn,
                   sim.StaticSynapse(weight=syn.get("weight", 0.0), delay=syn.get("delay", s.get("timestep_ms"))),
                   receptor_type=j.get("receptor_type", "excitatory"))
start = time.perf_counter()
sim.run(s["duration_ms"])
run_s = time.perf_counter() - start
by_population = {pop.label: sum(len(st) for st in pop.get_data("spikes").segments[0].spiketrains) for pop in recorded}
print(json.dumps({"bio_s": s["duration_ms"] / 1000.0, "run_s": run_s, "threads": threads,
                  "bio_s_per_wall_s": s["duration_ms"] / 1000.0 / run_s, "spikes": sum(by_population.values()),
                  "spikes_by_population": by_population}))
