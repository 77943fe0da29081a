//! Projections across wafers (spec §1.2, brainscales-emu `system`): wafers share no Layer 1, so a neuron's
//! spikes reach another wafer through Layer 2. Its HICANN already records them (its neuron block's DNC
//! merger sends them on a Gbit channel to the FPGA, [`super::merger`]); an [`L2Route`] forwards what that
//! recording delivers over the link between the wafers' FPGAs to a DNC merger of a HICANN of the target
//! wafer, where it enters Layer 1 as a Layer-2 input does. So each wafer places, beside its spike sources,
//! the neurons of other wafers that have targets on it ([`inputs_needed`]), with the same input placement
//! and the same per-HICANN and per-FPGA budgets ([`super::inputs`]), and one route per such neuron and
//! wafer ([`routes`]). A neuron thinned there, or one whose own HICANN has no working link (its spikes
//! cannot leave), loses its synapses on that wafer as thinned input.

use std::collections::BTreeMap;

use brainscales_emu::defects::Defects;
use brainscales_emu::system::{DEFAULT_ROUTE_LATENCY, L2Endpoint, L2Route};
use brainscales_emu::time::SpeedUp;
use nmemu_loader::Network;
use serde::Serialize;

use super::merger::Sources;
use super::place::{NeuronPlacement, NeuronSlot};

/// Per wafer, per population: the neurons that need Layer-2 input on that wafer, ascending.
pub type Needed = Vec<Vec<Vec<u32>>>;

/// What each wafer must take as Layer-2 input, over `wafers` wafers: a spike source population on every
/// wafer holding targets of it (on wafer 0 when it has none, as on a single wafer); a neuron on every other
/// wafer holding a target of one of its synapses, when its HICANN's link works.
pub fn inputs_needed(
    net: &Network,
    placement: &NeuronPlacement,
    defects: &[Defects],
    wafers: usize,
) -> Result<Needed, String> {
    let n = net.populations.len();
    let mut needed: Vec<Vec<Vec<bool>>> = vec![vec![Vec::new(); n]; wafers];
    let mut sources_placed = vec![false; n];
    for (j, projection) in net.projections.iter().enumerate() {
        let (pre, post) = (projection.pre.population, projection.post.population);
        let source = net.populations[pre].cell_type.is_source();
        let post_slots = &placement.populations[post];
        let pre_slots = &placement.populations[pre];
        let post_wafers = wafers_of(post_slots, wafers);
        if source {
            for w in (0..wafers).filter(|&w| post_wafers[w]) {
                mark(&mut needed[w][pre], None, net.populations[pre].size);
                sources_placed[pre] = true;
            }
            continue;
        }
        let pre_wafers = wafers_of(pre_slots, wafers);
        let spread = (0..wafers)
            .filter(|&w| pre_wafers[w] || post_wafers[w])
            .count();
        if spread < 2 {
            continue;
        }
        let syn = nmemu_loader::expand(net, j).map_err(|e| e.to_string())?;
        for k in 0..projection.pre.len() {
            let neuron = projection.pre.index(k);
            let home = pre_slots[neuron as usize];
            if !defects[home.wafer as usize].is_link_usable(home.hicann) {
                continue;
            }
            for i in syn.row(k) {
                let target = post_slots[syn.post[i] as usize].wafer;
                if target != home.wafer {
                    let size = net.populations[pre].size;
                    mark(&mut needed[target as usize][pre], Some(neuron), size);
                }
            }
        }
    }
    for (p, population) in net.populations.iter().enumerate() {
        if population.cell_type.is_source() && !sources_placed[p] {
            mark(&mut needed[0][p], None, population.size);
        }
    }
    Ok(needed
        .into_iter()
        .map(|per_population| {
            per_population
                .into_iter()
                .map(|marks| {
                    (0..marks.len() as u32)
                        .filter(|&k| marks[k as usize])
                        .collect()
                })
                .collect()
        })
        .collect())
}

/// Which of the `wafers` hold one of `slots`.
fn wafers_of(slots: &[NeuronSlot], wafers: usize) -> Vec<bool> {
    let mut on = vec![false; wafers];
    for s in slots {
        on[s.wafer as usize] = true;
    }
    on
}

/// Marks `neuron` (all `size` neurons for `None`) as needed.
fn mark(marks: &mut Vec<bool>, neuron: Option<u32>, size: u32) {
    marks.resize(size as usize, false);
    match neuron {
        Some(k) => marks[k as usize] = true,
        None => marks.fill(true),
    }
}

/// One route per neuron placed as input on another wafer: from its recording on its own wafer to its
/// input on that wafer, in (target wafer, population, neuron) order.
pub fn routes(
    net: &Network,
    placement: &NeuronPlacement,
    sources: &[Sources],
    needed: &Needed,
) -> Vec<L2Route> {
    let endpoint = |wafer: usize, p: usize, k: usize| {
        sources[wafer].of[p]
            .get(k)
            .copied()
            .flatten()
            .map(|(bus, address)| {
                let bus = sources[wafer].buses[bus as usize];
                L2Endpoint {
                    wafer: wafer as u32,
                    hicann: bus.hicann,
                    channel: bus.dnc,
                    address,
                }
            })
    };
    let mut routes = Vec::new();
    for (w, per_population) in needed.iter().enumerate() {
        for (p, neurons) in per_population.iter().enumerate() {
            if net.populations[p].cell_type.is_source() {
                continue;
            }
            for &k in neurons {
                let home = placement.populations[p][k as usize].wafer as usize;
                let source = endpoint(home, p, k as usize).expect("every neuron has an address");
                if let Some(target) = endpoint(w, p, k as usize) {
                    routes.push(L2Route::new(source, target));
                }
            }
        }
    }
    routes
}

/// One projection's synapses whose source neuron and target sit on different wafers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CrossProjection {
    pub synapses: u64,
    /// Those whose source could not be placed as input on the target's wafer.
    pub lost: u64,
}

/// mapping.json's `cross_wafer`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CrossWaferReport {
    /// Layer-2 routes between wafers (one per neuron and target wafer).
    pub routes: u64,
    /// Biological delay a route adds to the Layer-1 delay of its synapses.
    pub route_latency_ms: f64,
    pub synapses: u64,
    pub synapses_lost: u64,
    /// By projection label; only projections with cross-wafer synapses.
    pub by_projection: BTreeMap<String, CrossProjection>,
}

impl CrossWaferReport {
    /// The report of `routes`, with per-projection counts by projection index.
    pub fn new(
        net: &Network,
        routes: &[L2Route],
        counts: &[CrossProjection],
        speed_up: SpeedUp,
    ) -> CrossWaferReport {
        CrossWaferReport {
            routes: routes.len() as u64,
            route_latency_ms: speed_up.to_bio(DEFAULT_ROUTE_LATENCY.seconds()) * 1000.0,
            synapses: counts.iter().map(|c| c.synapses).sum(),
            synapses_lost: counts.iter().map(|c| c.lost).sum(),
            by_projection: counts
                .iter()
                .enumerate()
                .filter(|(_, c)| c.synapses > 0)
                .map(|(j, c)| (net.projections[j].label.clone(), *c))
                .collect(),
        }
    }
}
