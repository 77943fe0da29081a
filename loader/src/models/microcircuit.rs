//! The Potjans & Diesmann (2014) cortical microcircuit as a net.json document.
//!
//! 77,169 current-based LIF neurons under 1 mm² of cortex: an excitatory and an inhibitory population in each of
//! layers 2/3, 4, 5 and 6, about 0.3 billion synapses, and Poisson background drive. It is the standard large
//! benchmark of neuromorphic systems (SpiNNaker ran it in real time), so nmemu ships it as a generator.
//!
//! Sources: Potjans T.C. & Diesmann M. (2014) "The cell-type specific cortical microcircuit: relating structure
//! and activity in a full-scale spiking network model", Cerebral Cortex 24:785–806; and its PyNN port,
//! `examples/Potjans2014/` in NeuralEnsemble/PyNN ("the port" below): `network_params.py` holds the tables,
//! `network.py`, `connectivity.py` and `scaling.py` say how they are used. Every departure from the port is named
//! where it happens.
//!
//! Scaling, as the port's and NEST's example's `N_scaling` and `K_scaling`: `scale` shrinks every population
//! and `k_scale` every in-degree. Each projection's synapse count is the full-scale in-degree × `k_scale` × the
//! scaled target size; each background source stands for round(K_ext × `k_scale`) synapses. When `k_scale` < 1,
//! PSCs grow by 1/√`k_scale` (keeping the input's variance) and each population gets the DC input that restores
//! its mean, `0.001 τ_syn (1 − √k) Σ (w K_full ν_full + w_ext K_ext ν_bg)` (the port's `scaling.py`
//! `adjust_w_and_ext_to_K`, NEST's `helpers.adjust_weights_and_input_to_synapse_scaling`), from the full-scale
//! rates the port lists. With `k_scale` = 1 PSC amplitudes stay as published and no DC is added. At scale 1
//! the network has 298,880,970 synapses (55 non-empty projections); at scale 0.1 and k_scale 1, 29,889,612
//! among 7,718 neurons; at scale 0.1 and k_scale 0.1 (NEST's example defaults) 2,996,678.

use serde_json::{Value, json};

/// What to build: size, run length, seed and recording of the microcircuit.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrocircuitParams {
    /// Fraction of the full-scale neuron counts, 0 < scale <= 1 (see the module docs).
    pub scale: f64,
    /// Fraction of the full-scale in-degrees, 0 < k_scale <= 1, with weight and DC compensation (module docs).
    pub k_scale: f64,
    pub duration_ms: f64,
    /// The net.json master seed: connectivity, weights, delays, initial potentials and Poisson background.
    pub seed: u64,
    pub timestep_ms: f64,
    /// Fraction of each population whose spikes are recorded, 0 < fraction <= 1 (the port's
    /// `frac_record_spikes`); the first neurons of each population are the recorded ones, as in the port.
    pub record_fraction: f64,
}

/// The port's defaults (`sim_params.py`, `network_params.py`): full scale, 0.1 ms steps, 1 s, every spike.
impl Default for MicrocircuitParams {
    fn default() -> Self {
        MicrocircuitParams {
            scale: 1.0,
            k_scale: 1.0,
            duration_ms: 1000.0,
            seed: 0,
            timestep_ms: 0.1,
            record_fraction: 1.0,
        }
    }
}

/// Population labels, in the order of the rows and columns of the connection-probability table.
pub const POPULATION_LABELS: [&str; 8] = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"];

/// Indices of the two populations whose connection is special (see [`L4E_TO_L23E_GAIN`]).
const L23E: usize = 0;
const L4E: usize = 2;

/// Full-scale population sizes (PD14 Table 5; the port's `N_full`); 77,169 neurons in all.
pub const FULL_SIZES: [u32; 8] = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948];

/// Probability that a (target, source) pair has at least one synapse; rows are targets, columns sources
/// (PD14 Table 5; the port's `conn_probs`).
const CONNECTION_PROBABILITY: [[f64; 8]; 8] = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [
        0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252,
    ],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
];

/// Background in-degree of each population (the port's `K_ext`).
const BACKGROUND_IN_DEGREE: [u32; 8] = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100];

/// Rate of each background synapse (the port's `bg_rate`). One Poisson source per neuron stands for all of that
/// neuron's background synapses, firing at in-degree × this rate, as the port does for `input_type = 'poisson'`.
const BACKGROUND_RATE_PER_SYNAPSE_HZ: f64 = 8.0;

/// Mean rates of the full-scale network (Hz), which the DC compensation of in-degree scaling assumes (the
/// port's `full_mean_rates`).
const FULL_MEAN_RATES_HZ: [f64; 8] = [0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523];

/// Mean PSC amplitude: 87.8 pA gives a 0.15 mV PSP with these cells (PD14 Table 5; the port's `w_mean`, `w_ext`).
const PSC_MEAN_NA: f64 = 0.0878;
/// Standard deviation of PSC amplitudes relative to their mean (the port's `w_rel`).
const PSC_RELATIVE_SD: f64 = 0.1;
/// L4E -> L23E synapses are twice as strong (PD14 p. 801; the port's `w_234`) ...
const L4E_TO_L23E_GAIN: f64 = 2.0;
/// ... with relative SD 0.05, i.e. the same absolute SD as other excitatory synapses (the port's `w_rel_234`,
/// chosen there to match Potjans' original code; the paper does not give it).
const L4E_TO_L23E_RELATIVE_SD: f64 = 0.05;
/// Inhibitory PSCs are this many times the excitatory mean; negative because net.json inhibitory current weights
/// are negative (the port's `g`).
const INHIBITORY_GAIN: f64 = -4.0;

/// Delays by source type: mean and SD (PD14 Table 5; the port's `d_mean`, `d_sd`).
const DELAY_EXCITATORY_MEAN_MS: f64 = 1.5;
const DELAY_EXCITATORY_SD_MS: f64 = 0.75;
const DELAY_INHIBITORY_MEAN_MS: f64 = 0.75;
const DELAY_INHIBITORY_SD_MS: f64 = 0.375;

/// Largest delay, in timesteps: net.json's default `max_delay_ms`, which is also what SpiNNaker reaches with delay
/// extensions (16 slots × 9). At 0.1 ms that is 14.4 ms, 17 SDs above the excitatory mean, so cutting the delay
/// distribution there (the port leaves it unbounded above) changes nothing measurable.
const MAX_DELAY_STEPS: f64 = 144.0;

/// Synaptic time constant of every synapse (PD14 Table 5; the port's `tau_syn_E`, `tau_syn_I`).
const TAU_SYN_MS: f64 = 0.5;

/// Initial membrane potentials are normal (the port's `V0_mean`, `V0_sd`).
const V0_MEAN_MV: f64 = -58.0;
const V0_SD_MV: f64 = 5.0;

/// Population sizes at `scale`: rounded, at least 1. (The port truncates with `int()`; rounding keeps small
/// scales closer to the published proportions.)
pub fn population_sizes(scale: f64) -> [u32; 8] {
    FULL_SIZES.map(|n| ((f64::from(n) * scale).round() as u32).max(1))
}

/// Full-scale number of synapses from `source` to `target` (indices into [`POPULATION_LABELS`]).
///
/// PD14 eq. 1: with K synapses placed at random, with replacement, among N_pre × N_post pairs, a pair is connected
/// with probability C = 1 − (1 − 1/(N_pre N_post))^K, so K = ln(1 − C) / ln(1 − 1/(N_pre N_post)). `ln_1p` keeps
/// the tiny 1/(N_pre N_post) exact; the port's `log((n-1)/n)` form gives 2 synapses fewer in all.
pub fn full_synapse_count(target: usize, source: usize) -> u64 {
    let pairs = f64::from(FULL_SIZES[target]) * f64::from(FULL_SIZES[source]);
    let k = (-CONNECTION_PROBABILITY[target][source]).ln_1p() / (-1.0 / pairs).ln_1p();
    k.round() as u64
}

/// Synapse count at the given sizes: the full-scale in-degree K / N_post times the scaled N_post, rounded, as the
/// port's `FixedTotalNumberConnect` computes it.
fn scaled_synapse_count(target: usize, source: usize, sizes: &[u32; 8], k_scale: f64) -> u64 {
    let in_degree = full_synapse_count(target, source) as f64 / f64::from(FULL_SIZES[target]);
    (in_degree * k_scale * f64::from(sizes[target])).round() as u64
}

/// Mean PSC (nA) of synapses from `source` onto `target` at full in-degree, signed as net.json wants it.
fn mean_psc_na(target: usize, source: usize) -> f64 {
    match (is_excitatory(source), source == L4E && target == L23E) {
        (true, true) => L4E_TO_L23E_GAIN * PSC_MEAN_NA,
        (true, false) => PSC_MEAN_NA,
        (false, _) => INHIBITORY_GAIN * PSC_MEAN_NA,
    }
}

/// The DC input (nA) that restores `target`'s mean input when in-degrees are scaled by `k_scale` (module docs);
/// PSCs are in nA, rates in Hz, τ_syn in ms, so `0.001 τ Σ w K ν` is in nA.
fn compensating_dc_na(target: usize, k_scale: f64) -> f64 {
    let recurrent: f64 = (0..8)
        .map(|source| {
            let in_degree =
                full_synapse_count(target, source) as f64 / f64::from(FULL_SIZES[target]);
            mean_psc_na(target, source) * in_degree * FULL_MEAN_RATES_HZ[source]
        })
        .sum();
    let background =
        PSC_MEAN_NA * f64::from(BACKGROUND_IN_DEGREE[target]) * BACKGROUND_RATE_PER_SYNAPSE_HZ;
    0.001 * TAU_SYN_MS * (1.0 - k_scale.sqrt()) * (recurrent + background)
}

/// Rounds to 1e-12 so that products such as 0.1 × 0.0878 print as 0.00878 rather than 0.008780000000000001;
/// far below any physical resolution of weights or delays.
fn tidy(x: f64) -> f64 {
    (x * 1e12).round() / 1e12
}

/// [`POPULATION_LABELS`] alternates excitatory and inhibitory, excitatory first.
fn is_excitatory(population: usize) -> bool {
    population.is_multiple_of(2)
}

/// The complete net.json document of the microcircuit.
///
/// # Panics
/// If `scale` is not in (0, 1], `record_fraction` not in (0, 1], or `timestep_ms` not > 0.
pub fn microcircuit(params: &MicrocircuitParams) -> Value {
    assert!(
        params.scale > 0.0 && params.scale <= 1.0,
        "scale must be in (0, 1], got {}",
        params.scale
    );
    assert!(
        params.k_scale > 0.0 && params.k_scale <= 1.0,
        "k_scale must be in (0, 1], got {}",
        params.k_scale
    );
    assert!(
        params.record_fraction > 0.0 && params.record_fraction <= 1.0,
        "record_fraction must be in (0, 1], got {}",
        params.record_fraction
    );
    assert!(
        params.timestep_ms > 0.0,
        "timestep_ms must be > 0, got {}",
        params.timestep_ms
    );

    let sizes = population_sizes(params.scale);
    let max_delay_ms = tidy(MAX_DELAY_STEPS * params.timestep_ms);

    let mut populations: Vec<Value> = (0..8)
        .map(|i| cortical_population(i, sizes[i], params))
        .collect();
    populations.extend((0..8).map(|i| background_population(i, sizes[i], params.k_scale)));

    let weight_gain = 1.0 / params.k_scale.sqrt();
    let mut projections: Vec<Value> = (0..8)
        .map(|i| background_projection(i, params.timestep_ms, weight_gain))
        .collect();
    for target in 0..8 {
        for source in 0..8 {
            let n = scaled_synapse_count(target, source, &sizes, params.k_scale);
            if n > 0 {
                projections.push(recurrent_projection(
                    target,
                    source,
                    n,
                    weight_gain,
                    params.timestep_ms,
                    max_delay_ms,
                ));
            }
        }
    }

    json!({
        "format": "nmemu-net/1",
        "simulation": {
            "timestep_ms": params.timestep_ms,
            "duration_ms": params.duration_ms,
            "min_delay_ms": params.timestep_ms,
            "max_delay_ms": max_delay_ms,
            "seed": params.seed,
        },
        "populations": populations,
        "projections": projections,
    })
}

/// PD14's neuron (Table 5) in PyNN units, as the port's `neuron_params`: C_m 250 pF, tau_m 10 ms, 2 ms
/// refractory period, rest and reset at −65 mV, threshold −50 mV, 0.5 ms synaptic currents; DC input only to
/// compensate scaled in-degrees.
fn cortical_population(index: usize, size: u32, params: &MicrocircuitParams) -> Value {
    let record = if params.record_fraction >= 1.0 {
        json!(["spikes"])
    } else {
        let recorded = ((f64::from(size) * params.record_fraction).round() as u32).max(1);
        json!([{ "variables": ["spikes"], "indices": (0..recorded).collect::<Vec<u32>>() }])
    };
    json!({
        "label": POPULATION_LABELS[index],
        "size": size,
        "cell": {
            "type": "IF_curr_exp",
            "params": {
                "cm": 0.25,
                "tau_m": 10.0,
                "tau_refrac": 2.0,
                "tau_syn_E": TAU_SYN_MS,
                "tau_syn_I": TAU_SYN_MS,
                "v_rest": -65.0,
                "v_reset": -65.0,
                "v_thresh": -50.0,
                "i_offset": tidy(compensating_dc_na(index, params.k_scale)),
            },
        },
        "initial": { "v": { "distribution": "normal", "mu": V0_MEAN_MV, "sigma": V0_SD_MV } },
        "record": record,
    })
}

fn background_label(index: usize) -> String {
    format!("{}_bg", POPULATION_LABELS[index])
}

fn background_population(index: usize, size: u32, k_scale: f64) -> Value {
    let in_degree = (f64::from(BACKGROUND_IN_DEGREE[index]) * k_scale).round();
    let rate_hz = in_degree * BACKGROUND_RATE_PER_SYNAPSE_HZ;
    json!({
        "label": background_label(index),
        "size": size,
        "cell": { "type": "SpikeSourcePoisson", "params": { "rate": rate_hz } },
    })
}

/// One source per neuron, mean PSC, no delay spread: the port gives `StaticSynapse(weight=w_ext)` without a
/// delay, so PyNN uses the minimum delay, one timestep.
fn background_projection(index: usize, timestep_ms: f64, weight_gain: f64) -> Value {
    json!({
        "label": format!("{}->{}", background_label(index), POPULATION_LABELS[index]),
        "pre": background_label(index),
        "post": POPULATION_LABELS[index],
        "receptor_type": "excitatory",
        "connector": { "type": "OneToOneConnector" },
        "synapse": {
            "type": "StaticSynapse",
            "weight": tidy(PSC_MEAN_NA * weight_gain),
            "delay": timestep_ms,
        },
    })
}

/// A recurrent projection as the port's `FixedTotalNumberConnect` makes it: `FixedTotalNumberConnector(n)` with
/// PyNN's defaults (self-connections allowed, drawn with replacement, so multapses occur as in PD14), weights and
/// delays from clipped normals. The port clips weights at 0 on the side that would flip the sign and delays at
/// 0.1 ms (= its timestep), leaving the other sides at ±infinity; JSON has no infinity and the loader wants bounded
/// supports, so weights are clipped symmetrically at 0 and twice the mean (10 or 20 SDs, never reached, mean
/// unbiased) and delays at one timestep and `max_delay_ms`.
fn recurrent_projection(
    target: usize,
    source: usize,
    n: u64,
    weight_gain: f64,
    timestep_ms: f64,
    max_delay_ms: f64,
) -> Value {
    let mean_na = mean_psc_na(target, source) * weight_gain;
    let relative_sd = if source == L4E && target == L23E {
        L4E_TO_L23E_RELATIVE_SD
    } else {
        PSC_RELATIVE_SD
    };
    let (low_na, high_na) = if mean_na > 0.0 {
        (0.0, 2.0 * mean_na)
    } else {
        (2.0 * mean_na, 0.0)
    };
    let (delay_mean_ms, delay_sd_ms, receptor_type) = if is_excitatory(source) {
        (
            DELAY_EXCITATORY_MEAN_MS,
            DELAY_EXCITATORY_SD_MS,
            "excitatory",
        )
    } else {
        (
            DELAY_INHIBITORY_MEAN_MS,
            DELAY_INHIBITORY_SD_MS,
            "inhibitory",
        )
    };
    json!({
        "label": format!("{}->{}", POPULATION_LABELS[source], POPULATION_LABELS[target]),
        "pre": POPULATION_LABELS[source],
        "post": POPULATION_LABELS[target],
        "receptor_type": receptor_type,
        "connector": {
            "type": "FixedTotalNumberConnector",
            "n": n,
            "allow_self_connections": true,
            "with_replacement": true,
        },
        "synapse": {
            "type": "StaticSynapse",
            "weight": {
                "distribution": "normal_clipped",
                "mu": tidy(mean_na),
                "sigma": tidy((mean_na * relative_sd).abs()),
                "low": tidy(low_na),
                "high": tidy(high_na),
            },
            "delay": {
                "distribution": "normal_clipped",
                "mu": delay_mean_ms,
                "sigma": delay_sd_ms,
                "low": timestep_ms,
                "high": max_delay_ms,
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact value of PD14 eq. 1 summed over the 64 table entries (checked with 50-digit arithmetic).
    const FULL_SYNAPSE_TOTAL: u64 = 298_880_970;

    fn scaled(scale: f64) -> Value {
        microcircuit(&MicrocircuitParams {
            scale,
            seed: 1,
            ..MicrocircuitParams::default()
        })
    }

    fn recurrent(doc: &Value) -> impl Iterator<Item = &Value> {
        doc["projections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["connector"]["type"] == "FixedTotalNumberConnector")
    }

    fn total_synapses(doc: &Value) -> u64 {
        recurrent(doc)
            .map(|p| p["connector"]["n"].as_u64().unwrap())
            .sum()
    }

    #[test]
    fn full_scale_has_77169_neurons() {
        let sizes = population_sizes(1.0);
        assert_eq!(sizes, FULL_SIZES);
        assert_eq!(sizes.iter().map(|&n| u64::from(n)).sum::<u64>(), 77_169);
    }

    #[test]
    fn full_scale_synapse_total_matches_eq_1() {
        let total = total_synapses(&scaled(1.0));
        assert_eq!(total, FULL_SYNAPSE_TOTAL);
        // The port's floating-point form of eq. 1 gives 298,880,968: within 1% either way.
        assert!((total as f64 - 298_880_968.0).abs() / 298_880_968.0 < 0.01);
        assert_eq!(recurrent(&scaled(1.0)).count(), 55);
    }

    #[test]
    fn tenth_scale_sizes_and_in_degrees() {
        assert_eq!(
            population_sizes(0.1),
            [2068, 583, 2192, 548, 485, 107, 1440, 295]
        );
        let total = total_synapses(&scaled(0.1));
        assert_eq!(total, 29_889_612);
        assert!((total as f64 / FULL_SYNAPSE_TOTAL as f64 - 0.1).abs() < 0.001);
    }

    #[test]
    fn tiny_scale_keeps_every_population() {
        assert!(population_sizes(1e-6).iter().all(|&n| n == 1));
    }

    #[test]
    fn weight_signs_cannot_flip() {
        let doc = scaled(0.1);
        for p in recurrent(&doc) {
            let w = &p["synapse"]["weight"];
            let (low, high) = (w["low"].as_f64().unwrap(), w["high"].as_f64().unwrap());
            let mu = w["mu"].as_f64().unwrap();
            assert!(low <= mu && mu <= high, "{p}");
            if p["receptor_type"] == "inhibitory" {
                assert!(high <= 0.0, "{p}");
            } else {
                assert!(low >= 0.0, "{p}");
            }
        }
    }

    #[test]
    fn l4e_to_l23e_is_doubled() {
        let doc = scaled(0.1);
        let p = recurrent(&doc).find(|p| p["label"] == "L4E->L23E").unwrap();
        assert_eq!(p["synapse"]["weight"]["mu"], 0.1756);
        assert_eq!(p["synapse"]["weight"]["sigma"], 0.00878);
    }

    #[test]
    fn delays_stay_within_the_simulation_bounds() {
        let doc = scaled(0.1);
        let sim = &doc["simulation"];
        assert_eq!(sim["max_delay_ms"], 14.4);
        for p in recurrent(&doc) {
            let d = &p["synapse"]["delay"];
            assert!(d["low"].as_f64() >= sim["min_delay_ms"].as_f64(), "{p}");
            assert!(d["high"].as_f64() <= sim["max_delay_ms"].as_f64(), "{p}");
        }
    }

    #[test]
    fn background_matches_in_degree_times_8_hz() {
        let doc = scaled(0.1);
        let bg = doc["populations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["label"] == "L6E_bg")
            .unwrap();
        assert_eq!(bg["size"], 1440);
        assert_eq!(bg["cell"]["params"]["rate"], 23200.0);
    }

    #[test]
    fn top_level_keys_are_exactly_the_format_sections() {
        let doc = scaled(0.1);
        let keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            ["format", "populations", "projections", "simulation"]
        );
    }

    #[test]
    fn record_fraction_records_the_first_neurons() {
        let doc = microcircuit(&MicrocircuitParams {
            scale: 0.1,
            record_fraction: 0.5,
            ..Default::default()
        });
        let record = &doc["populations"][5]["record"][0];
        assert_eq!(record["variables"], json!(["spikes"]));
        assert_eq!(record["indices"].as_array().unwrap().len(), 54);
    }

    #[test]
    fn scaled_in_degrees_get_stronger_weights_and_compensating_dc() {
        let doc = microcircuit(&MicrocircuitParams {
            scale: 0.1,
            k_scale: 0.1,
            seed: 1,
            ..MicrocircuitParams::default()
        });
        let total = total_synapses(&doc);
        assert!((total as f64 / 29_889_612.0 - 0.1).abs() < 0.001, "{total}");
        let p = recurrent(&doc).find(|p| p["label"] == "L4E->L23E").unwrap();
        let mu = p["synapse"]["weight"]["mu"].as_f64().unwrap();
        assert!((mu - 0.1756 / 0.1f64.sqrt()).abs() < 1e-9, "{mu}");
        let bg = &doc["populations"][8 + 6];
        assert_eq!(
            bg["cell"]["params"]["rate"], 2320.0,
            "L6E: round(2900 × 0.1) × 8 Hz"
        );
        // The DC of L23E by hand: recurrent input Σ w K ν plus background w_ext K_ext ν_bg, times
        // 0.001 τ_syn (1 − √0.1).
        let recurrent: f64 = (0..8)
            .map(|s| {
                mean_psc_na(0, s) * full_synapse_count(0, s) as f64 / 20683.0
                    * FULL_MEAN_RATES_HZ[s]
            })
            .sum();
        let expected = 0.001 * 0.5 * (1.0 - 0.1f64.sqrt()) * (recurrent + 0.0878 * 1600.0 * 8.0);
        let dc = doc["populations"][0]["cell"]["params"]["i_offset"]
            .as_f64()
            .unwrap();
        assert!(
            (dc - expected).abs() < 1e-9 && dc > 0.0,
            "{dc} vs {expected}"
        );
        assert_eq!(
            scaled(0.1)["populations"][0]["cell"]["params"]["i_offset"],
            0.0
        );
    }

    /// `examples/microcircuit_0.1.json` is this generator's output (scale 0.1, k_scale 0.1, seed 1, 2-space pretty JSON and a
    /// final newline). After a deliberate change, rerun with `NMEMU_REGENERATE_EXAMPLES=1` to rewrite it.
    #[test]
    fn shipped_example_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/microcircuit_0.1.json"
        );
        let generated = serde_json::to_string_pretty(&microcircuit(&MicrocircuitParams {
            scale: 0.1,
            k_scale: 0.1,
            seed: 1,
            ..MicrocircuitParams::default()
        }))
        .unwrap()
            + "\n";
        if std::env::var_os("NMEMU_REGENERATE_EXAMPLES").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let shipped = std::fs::read_to_string(path).unwrap();
        assert!(
            shipped == generated,
            "{path} is stale: rerun with NMEMU_REGENERATE_EXAMPLES=1"
        );
    }
}
