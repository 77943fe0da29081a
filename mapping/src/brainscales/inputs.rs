//! Input placement (marocco `InputPlacement`, spec §6.1) and the input spike trains.
//!
//! Spike sources reach the wafer through Layer 2: an FPGA plays each spike into a HICANN's Gbit channel,
//! whose DNC merger puts it on the Layer-1 bus with the source's 6-bit address. Sources go onto DNC
//! mergers that send no neurons ([`super::merger`]), on the usable-link HICANNs nearest the
//! mean position of their targets, the population with the highest total rate first. Each source costs its
//! rate in hardware time (rate x speed-up) against the HICANN's link budget (17.8 M events/s) and its
//! reticle FPGA's (125 M events/s), both filled only to `bandwidth_utilization`; with
//! `consider_firing_rate` off only the 59 addresses of a bus limit. A source that fits nowhere is thinned:
//! left out entirely, the last ones of a population first (deterministic), and reported.
//!
//! Sources per bus: the synapse array decodes an address' 2 MSBs per half-row, so every 2-MSB class a bus
//! brings to a HICANN costs rows of its own, and one bus feeds at most `driver_chain_length` drivers
//! there. When the wafer has DNC mergers enough, a bus therefore carries at most [`ONE_CLASS`] sources
//! (one class); otherwise all 59 addresses are used.
//!
//! Trains: a SpikeSourcePoisson's spikes are drawn here on the host (exponential intervals from `start` to
//! `start + duration`, within the run), from the loader's stream for (seed, `Domain::Sources`, population
//! label, neuron), so the same net and seed give the same trains on any wafer; a SpikeSourceArray's times
//! are taken as given. Both are converted to hardware time by the speed-up.
//!
//! Several wafers: each wafer places the inputs it needs ([`super::cross::inputs_needed`]): the spike
//! sources with targets there (played on every such wafer), and the neurons of other wafers whose spikes
//! cross to it, each costing the assumed `cross_wafer_rate_hz` (their trains are forwarded, not drawn).

use std::collections::BTreeMap;

use brainscales_emu::coord::{HicannOnWafer, NEURON_BLOCKS, RETICLES_ON_WAFER};
use brainscales_emu::defects::Defects;
use brainscales_emu::layer2::{L2Params, L2Spike};
use brainscales_emu::time::{HwTime, SpeedUp};
use nmemu_loader::Network;
use nmemu_loader::format::cells::CellType;
use nmemu_loader::network::Population;
use nmemu_loader::random::{Domain, stream};
use rand_distr::{Distribution, Exp};
use serde::Serialize;

use super::merger::{Bus, Sources, address_pool};
use super::place::{NeuronPlacement, centre_first};

/// The addresses of one 2-MSB class: 16 less the reserved `0bXX0001`.
pub const ONE_CLASS: usize = 15;

/// Load of one HICANN's or FPGA's input link, in hardware events per second.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputLoad {
    pub sources: u32,
    pub rate_hz: f64,
    pub budget_hz: f64,
}

/// Sources of a population left out because no budget or address was left.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Thinned {
    pub population: String,
    pub thinned: u32,
    pub of: u32,
}

/// What input placement did, for the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputReport {
    /// By HICANN enum.
    pub per_hicann: BTreeMap<u32, InputLoad>,
    /// By FPGA id.
    pub per_fpga: BTreeMap<u32, InputLoad>,
    pub thinned: Vec<Thinned>,
}

/// The input settings of a mapping.
#[derive(Clone, Copy, Debug)]
pub struct InputOptions {
    pub speed_up: SpeedUp,
    pub utilization: f64,
    pub consider_rate: bool,
    /// The biological rate assumed for a neuron of another wafer.
    pub neuron_rate_hz: f64,
}

/// The biological rate of a source neuron in Hz (mean over the run for an array).
pub fn rate_bio_hz(net: &Network, population: &Population, neuron: u32) -> f64 {
    match population.cell_type {
        CellType::SpikeSourcePoisson => {
            let p = |name| population.param(name).map_or(0.0, |v| v.get(neuron));
            let (start, duration) = (p("start"), p("duration"));
            let active = (start + duration).min(net.simulation.duration_ms) - start;
            if active <= 0.0 {
                0.0
            } else {
                p("rate") * active / net.simulation.duration_ms
            }
        }
        CellType::SpikeSourceArray => {
            let times = population
                .spike_times
                .as_ref()
                .map_or(0, |t| t.of(neuron).len());
            times as f64 * 1000.0 / net.simulation.duration_ms.max(f64::MIN_POSITIVE)
        }
        _ => 0.0,
    }
}

/// The Layer-2 input load against the whole wafer's budget, before placement: what `validate --machine`
/// says of the inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct InputEstimate {
    pub sources: u64,
    /// Their summed rate, hardware events per second (0 with `consider_firing_rate` off).
    pub rate_hz: f64,
    /// Every usable link's budget filled to `bandwidth_utilization`, each FPGA's capping its HICANNs'.
    pub budget_hz: f64,
    /// The busiest source's rate, against one HICANN link's budget (`hicann_budget_hz`).
    pub largest_hz: f64,
    pub hicann_budget_hz: f64,
}

impl InputEstimate {
    /// The least fraction of the input rate that [`place_inputs`] must thin: above the wafer's budget no
    /// placement fits it (and placement near the targets may thin more).
    pub fn excess(&self) -> f64 {
        if self.rate_hz > self.budget_hz {
            1.0 - self.budget_hz / self.rate_hz
        } else {
            0.0
        }
    }
}

/// The input load of `net` in hardware time against the budgets of the wafer with `defects`.
pub fn estimate(net: &Network, defects: &Defects, options: InputOptions) -> InputEstimate {
    let l2 = L2Params::default();
    let hicann_budget = l2.hicann_input_rate_hz * options.utilization;
    let fpga_budget = l2.fpga_input_rate_hz * options.utilization;
    let mut links = [0u32; RETICLES_ON_WAFER];
    for h in HicannOnWafer::all().filter(|&h| defects.is_link_usable(h)) {
        links[usize::from(h.reticle().fpga().0)] += 1;
    }
    let mut e = InputEstimate {
        budget_hz: links
            .iter()
            .map(|&n| fpga_budget.min(f64::from(n) * hicann_budget))
            .sum(),
        hicann_budget_hz: hicann_budget,
        ..InputEstimate::default()
    };
    for p in net.populations.iter().filter(|p| p.cell_type.is_source()) {
        e.sources += u64::from(p.size);
        if options.consider_rate {
            for k in 0..p.size {
                let rate = rate_bio_hz(net, p, k) * options.speed_up.factor();
                e.rate_hz += rate;
                e.largest_hz = e.largest_hz.max(rate);
            }
        }
    }
    e
}

/// The mean (x, y) of the HICANNs on `wafer` holding the targets of population `p`'s projections, or the
/// wafer centre if it has none.
fn target_centre(net: &Network, placement: &NeuronPlacement, wafer: u32, p: usize) -> (f64, f64) {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for projection in net.projections.iter().filter(|q| q.pre.population == p) {
        let slots = &placement.populations[projection.post.population];
        for slot in slots.iter().filter(|s| s.wafer == wafer) {
            sx += f64::from(slot.hicann.x());
            sy += f64::from(slot.hicann.y());
            n += 1.0;
        }
    }
    if n == 0.0 {
        (17.5, 7.5)
    } else {
        (sx / n, sy / n)
    }
}

/// Places the inputs `wafer` needs (per population, the neurons) onto its free DNC mergers (see the module
/// docs), adding buses to `sources`.
pub fn place_inputs(
    net: &Network,
    placement: &NeuronPlacement,
    (wafer, defects): (u32, &Defects),
    options: InputOptions,
    needed: &[Vec<u32>],
    sources: &mut Sources,
) -> InputReport {
    let l2 = L2Params::default();
    let hicann_budget = l2.hicann_input_rate_hz * options.utilization;
    let fpga_budget = l2.fpga_input_rate_hz * options.utilization;
    let mut free = vec![[true; NEURON_BLOCKS]; brainscales_emu::coord::HICANNS_ON_WAFER];
    for bus in &sources.buses {
        free[bus.hicann.to_enum()][usize::from(bus.dnc)] = false;
    }
    let links: Vec<HicannOnWafer> = centre_first(defects)
        .into_iter()
        .filter(|&h| defects.is_link_usable(h))
        .collect();
    let mut hicann_rate = vec![0.0f64; brainscales_emu::coord::HICANNS_ON_WAFER];
    let mut fpga_rate = [0.0f64; 48];
    let mut report = InputReport::default();
    let free_buses: usize = links
        .iter()
        .map(|h| free[h.to_enum()].iter().filter(|&&f| f).count())
        .sum();
    let inputs: usize = needed.iter().map(Vec::len).sum();
    let per_bus = if inputs.div_ceil(ONE_CLASS) <= free_buses {
        ONE_CLASS
    } else {
        address_pool().count()
    };
    let bio_rate = |p: &Population, k: u32| {
        if p.cell_type.is_source() {
            rate_bio_hz(net, p, k)
        } else {
            options.neuron_rate_hz
        }
    };
    let hw_rate = |p: &Population, k: u32| {
        if options.consider_rate {
            bio_rate(p, k) * options.speed_up.factor()
        } else {
            0.0
        }
    };
    let mut order: Vec<(f64, usize)> = net
        .populations
        .iter()
        .enumerate()
        .filter(|&(i, _)| !needed[i].is_empty())
        .map(|(i, p)| (needed[i].iter().map(|&k| bio_rate(p, k)).sum::<f64>(), i))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, p) in order {
        let population = &net.populations[p];
        let (cx, cy) = target_centre(net, placement, wafer, p);
        let mut candidates = links.clone();
        candidates.sort_by(|a, b| {
            let d =
                |h: &HicannOnWafer| (f64::from(h.x()) - cx).abs() + (f64::from(h.y()) - cy).abs();
            d(a).total_cmp(&d(b)).then(a.to_enum().cmp(&b.to_enum()))
        });
        // Neurons of this wafer keep their own (bus, address).
        let mut of = std::mem::take(&mut sources.of[p]);
        of.resize(population.size as usize, None);
        let mut open: Option<(u32, Bus, Vec<u8>)> = None;
        let mut thinned = 0;
        for &k in &needed[p] {
            let rate = hw_rate(population, k);
            let fits = |h: HicannOnWafer, hr: &[f64], fr: &[f64; 48]| {
                hr[h.to_enum()] + rate <= hicann_budget
                    && fr[usize::from(h.reticle().fpga().0)] + rate <= fpga_budget
            };
            let usable = open.as_ref().is_some_and(|(_, bus, pool)| {
                !pool.is_empty() && fits(bus.hicann, &hicann_rate, &fpga_rate)
            });
            if !usable {
                open = candidates
                    .iter()
                    .find_map(|&h| {
                        let dnc = free[h.to_enum()].iter().position(|&f| f)?;
                        fits(h, &hicann_rate, &fpga_rate).then_some((h, dnc))
                    })
                    .map(|(h, dnc)| {
                        free[h.to_enum()][dnc] = false;
                        let bus = Bus {
                            hicann: h,
                            dnc: dnc as u8,
                        };
                        let mut pool: Vec<u8> = address_pool().take(per_bus).collect();
                        pool.reverse();
                        (sources.add_bus(bus, true), bus, pool)
                    });
            }
            let Some((index, bus, pool)) = open.as_mut() else {
                thinned += 1;
                continue;
            };
            let address = pool.pop().expect("checked non-empty");
            of[k as usize] = Some((*index, address));
            hicann_rate[bus.hicann.to_enum()] += rate;
            fpga_rate[usize::from(bus.hicann.reticle().fpga().0)] += rate;
            let load = report
                .per_hicann
                .entry(bus.hicann.to_enum() as u32)
                .or_insert(InputLoad {
                    budget_hz: hicann_budget,
                    ..InputLoad::default()
                });
            load.sources += 1;
            load.rate_hz += rate;
            let fpga = report
                .per_fpga
                .entry(u32::from(bus.hicann.reticle().fpga().0))
                .or_insert(InputLoad {
                    budget_hz: fpga_budget,
                    ..InputLoad::default()
                });
            fpga.sources += 1;
            fpga.rate_hz += rate;
        }
        if thinned > 0 {
            report.thinned.push(Thinned {
                population: population.label.clone(),
                thinned,
                of: needed[p].len() as u32,
            });
        }
        sources.of[p] = of;
    }
    report
}

/// The biological spike times (ms) of source neuron `k` within the run.
pub fn spike_times_ms(net: &Network, population: &Population, k: u32, seed: u64) -> Vec<f64> {
    let end = net.simulation.duration_ms;
    match population.cell_type {
        CellType::SpikeSourcePoisson => {
            let p = |name| population.param(name).map_or(0.0, |v| v.get(k));
            let (rate, start) = (p("rate"), p("start"));
            let stop = (start + p("duration")).min(end);
            let mut times = Vec::new();
            if rate <= 0.0 || stop <= start {
                return times;
            }
            let isi = Exp::new(rate / 1000.0).expect("a positive rate");
            let mut rng = stream(
                seed,
                Domain::Sources,
                &population.label,
                "poisson",
                u64::from(k),
            );
            let mut t = start;
            loop {
                t += isi.sample(&mut rng);
                if t >= stop {
                    return times;
                }
                times.push(t);
            }
        }
        CellType::SpikeSourceArray => population
            .spike_times
            .as_ref()
            .map(|s| {
                s.of(k)
                    .iter()
                    .copied()
                    .filter(|&t| (0.0..end).contains(&t))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The Layer-2 input spikes of every placed source in hardware experiment time, sorted by time, then
/// HICANN, channel and address.
pub fn input_spikes(
    net: &Network,
    sources: &Sources,
    speed_up: SpeedUp,
    seed: u64,
) -> Vec<L2Spike> {
    let mut out = Vec::new();
    for (p, population) in net.populations.iter().enumerate() {
        if !population.cell_type.is_source() {
            continue;
        }
        for (k, place) in sources.of[p].iter().enumerate() {
            let Some((bus, address)) = *place else {
                continue;
            };
            let bus = sources.buses[bus as usize];
            for t in spike_times_ms(net, population, k as u32, seed) {
                out.push(L2Spike {
                    hicann: bus.hicann,
                    channel: bus.dnc,
                    address,
                    time: HwTime::from_seconds(speed_up.to_hardware(t / 1000.0)),
                });
            }
        }
    }
    out.sort_by_key(|s| (s.time, s.hicann.to_enum(), s.channel, s.address));
    out
}
