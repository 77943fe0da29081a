//! Neuron placement (marocco `NeuronPlacement`, spec §6.1, mapping-and-pynn §A6.1): logical neurons of
//! `neuron_size` denmems onto the neuron blocks of the machine's wafers.
//!
//! A logical neuron of n denmems takes n / 2 whole columns (both denmem rows) inside one neuron block of
//! 32 columns, so a block holds `32 / (n / 2)` of them; a column with a defective denmem is skipped. Neurons
//! of a population go on in column order, block after block (marocco's down-right order).
//!
//! Order: populations with a manual `placement` first, onto their HICANNs in the order given; then the
//! others, clustered by connectivity (marocco's `ClusterByPopulationConnectivity`): the first population,
//! then repeatedly the unplaced one with the most expected synapses to or from those already placed. The
//! first fills the HICANNs nearest the wafer's centre; each later one fills those nearest (Manhattan, in
//! HICANN steps) to where its connected populations already sit, their mean position weighted by the
//! synapses, so that connected populations end up on neighbouring HICANNs and the Layer-1 routes short. (A
//! fill order by distance from the centre alone puts consecutive HICANNs at the two ends of a row: without
//! its `placement` hint, `bench/full_wafer_local_net.py`'s wafer of HICANN-sized modules, each connected to
//! its grid neighbours, lost 38 % of its synapses on Layer 1 so, and loses 2 % placed next to partners.)
//! Free neuron blocks stay free for Layer-2 input (their DNC mergers take it).
//! The 8 HICANNs of a reticle share 2 analog outputs, so a neuron whose membrane is recorded goes to the
//! next HICANN whose reticle has one left. A neuron with an `i_offset` needs one of its HICANN half's 2
//! current stimuli ([`super::realised`]): when the wafer has a stimulus for every stimulated neuron of the
//! network, a population's stimulated neurons skip to halves with one left (unless the population then
//! does not fit); otherwise (e.g. DC input on every neuron of a large network, which most neurons would lose
//! anyway, while spreading the rest would cost the routes their locality) the population is placed as any
//! other, and the neurons beyond the limit are reported as running without their offset.
//!
//! Several wafers (`brainscales-<N>-wafers`): each population, in the clustered order, goes whole onto
//! the wafer holding most of its synapses to populations already placed that has room for it (no synapse
//! of its own crosses then), the lowest-numbered one when it has no placed partner; wafer 0 so fills first,
//! connected populations share a wafer, and a smaller population back-fills the room an earlier, larger one
//! left when it moved on. Only a population that fits no wafer whole is split, over the wafers in that
//! order, its first neurons filling the rest of the first. A manual `placement` names each
//! HICANN's wafer (`"1:45"`, see [`super::hints`]).

use brainscales_emu::coord::{
    COLUMNS_PER_BLOCK, DENMEM_COLUMNS, HicannOnWafer, NEURON_BLOCKS, NeuronOnHicann,
    RETICLES_ON_WAFER,
};
use brainscales_emu::defects::Defects;
use brainscales_emu::image::{STIMULI_PER_HICANN, TRACES_PER_RETICLE};
use nmemu_loader::Network;

use super::hints::{BrainScaleSHints, WaferHicann};
use super::realised::StimulusBudget;

/// Where one logical neuron sits: `columns` whole denmem columns from `first_column` on `hicann` of
/// `wafer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeuronSlot {
    pub wafer: u32,
    pub hicann: HicannOnWafer,
    pub first_column: u8,
    pub columns: u8,
}

impl NeuronSlot {
    /// The neuron block of the slot (all its columns are in it).
    pub fn block(self) -> usize {
        usize::from(self.first_column / COLUMNS_PER_BLOCK)
    }

    /// The denmem whose comparator fires: the top-left one (marocco's choice).
    pub fn firing(self) -> NeuronOnHicann {
        NeuronOnHicann::new(self.first_column, 0).expect("row 0")
    }

    /// The denmem columns of the neuron (`u16`: the last block ends at column 256).
    pub fn column_range(self) -> std::ops::Range<u16> {
        u16::from(self.first_column)..u16::from(self.first_column) + u16::from(self.columns)
    }

    /// Every denmem of the neuron, column by column, top row first.
    pub fn denmems(self) -> impl Iterator<Item = NeuronOnHicann> {
        self.column_range()
            .flat_map(|x| [0, 1].map(move |y| NeuronOnHicann::new(x as u8, y).expect("row 0 or 1")))
    }
}

/// The neurons of every population: per population in network order, per neuron its slot (empty for
/// spike sources, which go through Layer 2).
#[derive(Clone, Debug, Default)]
pub struct NeuronPlacement {
    pub populations: Vec<Vec<NeuronSlot>>,
}

/// The free columns, analog outputs (per reticle) and current stimuli of one wafer as placement proceeds.
#[derive(Clone)]
struct Columns {
    wafer: u32,
    /// Per HICANN enum, per column: free and both denmems usable.
    free: Vec<[bool; DENMEM_COLUMNS as usize]>,
    traces: [usize; RETICLES_ON_WAFER],
    /// Per HICANN enum, the current stimuli taken.
    stimuli: Vec<StimulusBudget>,
}

/// What one call of [`Columns::take`] places: which neurons are traced or stimulated, and whether a
/// stimulated neuron must find a stimulus (`strict`) or may go without.
struct Needs<'a> {
    traced: &'a dyn Fn(usize) -> bool,
    stimulated: &'a dyn Fn(usize) -> bool,
    strict: bool,
}

impl Columns {
    fn new(wafer: u32, defects: &Defects) -> Columns {
        let free: Vec<[bool; DENMEM_COLUMNS as usize]> = HicannOnWafer::all()
            .map(|h| {
                let usable = defects.is_hicann_usable(h);
                std::array::from_fn(|x| {
                    usable
                        && [0, 1].iter().all(|&y| {
                            defects
                                .is_denmem_usable(h, NeuronOnHicann::new(x as u8, y).expect("row"))
                        })
                })
            })
            .collect();
        Columns {
            wafer,
            traces: [0; RETICLES_ON_WAFER],
            stimuli: vec![StimulusBudget::default(); free.len()],
            free,
        }
    }

    fn usable_denmems(&self) -> u64 {
        self.free.iter().flatten().filter(|&&f| f).count() as u64 * 2
    }

    /// Takes `count` neurons of `columns` columns from `hicanns` in order, block by block, appending them
    /// to `out`; returns how many it placed. A neuron whose membrane is traced skips to a HICANN whose
    /// reticle has an analog output left; a stimulated one takes a current stimulus of its half of the
    /// HICANN and, when `strict`, skips to a half that has one left.
    fn take(
        &mut self,
        hicanns: &[HicannOnWafer],
        count: usize,
        columns: u8,
        needs: &Needs,
        out: &mut Vec<NeuronSlot>,
    ) -> usize {
        let mut placed = 0;
        let traces = &mut self.traces;
        'hicanns: for &h in hicanns {
            let free = &mut self.free[h.to_enum()];
            let stimuli = &mut self.stimuli[h.to_enum()];
            let reticle = h.reticle().to_enum();
            'blocks: for block in 0..NEURON_BLOCKS as u16 {
                let width = u16::from(COLUMNS_PER_BLOCK);
                let (start, end) = (block * width, (block + 1) * width);
                let columns = u16::from(columns);
                let mut x = start;
                while x + columns <= end {
                    if placed == count {
                        break 'hicanns;
                    }
                    let trace = (needs.traced)(placed);
                    if trace && traces[reticle] >= TRACES_PER_RETICLE {
                        continue 'hicanns;
                    }
                    let stimulated = (needs.stimulated)(placed);
                    if stimulated && needs.strict && !stimuli.has_room(usize::from(block)) {
                        continue 'blocks;
                    }
                    let run = (x..x + columns).all(|c| free[usize::from(c)]);
                    if run {
                        for c in x..x + columns {
                            free[usize::from(c)] = false;
                        }
                        out.push(NeuronSlot {
                            wafer: self.wafer,
                            hicann: h,
                            first_column: x as u8,
                            columns: columns as u8,
                        });
                        placed += 1;
                        traces[reticle] += usize::from(trace);
                        if stimulated {
                            stimuli.take(usize::from(block));
                        }
                        x += columns;
                    } else {
                        x += 1;
                    }
                }
            }
        }
        placed
    }
}

/// Denmem circuits a network asks for against what the machine's wafers have, before placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Circuits {
    /// Neurons of the wafer-cell populations.
    pub neurons: u64,
    /// Denmems they take: neuron_size x size per population.
    pub needed: u64,
    /// Denmems of the wafers less the defective HICANNs and columns.
    pub usable: u64,
}

/// The size check: the circuits `net` needs and the wafers with `defects` (one each) have, or the refusal
/// naming the hint that would shrink it when they do not fit. Placement can still fail on a network that
/// passes (whole columns per neuron block, analog outputs per reticle), never the other way round.
pub fn check_size(
    net: &Network,
    hints: &BrainScaleSHints,
    defects: &[Defects],
) -> Result<Circuits, String> {
    let neuron_pops =
        (0..net.populations.len()).filter(|&i| !net.populations[i].cell_type.is_source());
    let (mut neurons, mut needed) = (0, 0);
    for i in neuron_pops {
        neurons += u64::from(net.populations[i].size);
        needed += u64::from(net.populations[i].size) * u64::from(hints.neuron_size[i]);
    }
    let wafers = defects.len();
    let usable: u64 = defects
        .iter()
        .map(|d| Columns::new(0, d).usable_denmems())
        .sum();
    if needed > usable {
        let have = if wafers == 1 { "has" } else { "have" };
        let more = if wafers == 1 {
            "a multi-wafer machine".to_string()
        } else {
            format!("a machine of more than {wafers} wafers")
        };
        return Err(format!(
            "the network needs {needed} denmem circuits for {neurons} neurons (neuron_size x size per \
             population); {} {have} {usable} usable: use smaller neuron_size \
             (extensions.brainscales.neuron_size), fewer neurons, or {more}",
            machine(wafers)
        ));
    }
    Ok(Circuits {
        neurons,
        needed,
        usable,
    })
}

/// The usable HICANNs, nearest the wafer's centre first (Manhattan distance in HICANN steps, then enum).
pub fn centre_first(defects: &Defects) -> Vec<HicannOnWafer> {
    let mut hicanns: Vec<HicannOnWafer> = HicannOnWafer::all()
        .filter(|&h| defects.is_hicann_usable(h))
        .collect();
    hicanns.sort_by_key(|h| {
        let dx = (2 * i32::from(h.x()) - 35).abs();
        let dy = (2 * i32::from(h.y()) - 15).abs();
        (dx + dy, h.to_enum())
    });
    hicanns
}

/// Expected synapses between every two populations, either way.
fn connection_weights(net: &Network) -> Vec<Vec<f64>> {
    let n = net.populations.len();
    let mut weight = vec![vec![0.0f64; n]; n];
    for p in &net.projections {
        let s = nmemu_loader::expected_synapses(net, p);
        weight[p.pre.population][p.post.population] += s;
        weight[p.post.population][p.pre.population] += s;
    }
    weight
}

/// `order` (a wafer's usable HICANNs, centre first) sorted by Manhattan distance from where population
/// `i`'s connected populations already sit on `wafer`: the mean position of their neurons, weighted by
/// the synapses between them and `i`. Unchanged (the centre first) when none is placed there yet.
fn nearest_to_partners(
    order: &[HicannOnWafer],
    weight: &[f64],
    placement: &NeuronPlacement,
    i: usize,
    wafer: u32,
) -> Vec<HicannOnWafer> {
    let (mut x, mut y, mut total) = (0.0, 0.0, 0.0);
    for (j, slots) in placement.populations.iter().enumerate() {
        if j == i || weight[j] <= 0.0 {
            continue;
        }
        let on_wafer = || slots.iter().filter(|s| s.wafer == wafer);
        let n = on_wafer().count();
        if n == 0 {
            continue;
        }
        let w = weight[j] / n as f64;
        for s in on_wafer() {
            x += w * f64::from(s.hicann.x());
            y += w * f64::from(s.hicann.y());
            total += w;
        }
    }
    let mut order = order.to_vec();
    if total > 0.0 {
        let (x, y) = (x / total, y / total);
        let distance =
            |h: &HicannOnWafer| (f64::from(h.x()) - x).abs() + (f64::from(h.y()) - y).abs();
        order.sort_by(|a, b| distance(a).total_cmp(&distance(b)));
    }
    order
}

/// The wafers in the order population `i` takes them: most synapses to its connected populations already
/// placed there first (each population's synapses shared over its neurons), then by number, so that a
/// population with no placed partner fills the lowest-numbered wafer with room (back-filling a wafer that
/// an earlier, larger population left for the next).
fn wafers_by_partners(
    weight: &[f64],
    placement: &NeuronPlacement,
    i: usize,
    wafers: usize,
) -> Vec<usize> {
    let mut synapses = vec![0.0f64; wafers];
    for (j, slots) in placement.populations.iter().enumerate() {
        if j == i || weight[j] <= 0.0 || slots.is_empty() {
            continue;
        }
        let share = weight[j] / slots.len() as f64;
        for s in slots {
            synapses[s.wafer as usize] += share;
        }
    }
    let mut order: Vec<usize> = (0..wafers).collect();
    order.sort_by(|&a, &b| synapses[b].total_cmp(&synapses[a]));
    order
}

/// The neuron populations in placement order: clustered by connectivity (see the module docs).
fn cluster_order(weight: &[Vec<f64>], candidates: &[usize]) -> Vec<usize> {
    let mut left: Vec<usize> = candidates.to_vec();
    let mut order = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let pick = (0..left.len())
            .max_by(|&a, &b| {
                let score = |i: usize| {
                    order
                        .iter()
                        .map(|&o: &usize| weight[left[i]][o])
                        .sum::<f64>()
                };
                score(a).total_cmp(&score(b)).then(b.cmp(&a))
            })
            .expect("non-empty");
        order.push(left.remove(pick));
    }
    order
}

/// "the wafer" or "the N wafers", for messages.
fn machine(wafers: usize) -> String {
    if wafers == 1 {
        "the wafer".to_string()
    } else {
        format!("the {wafers} wafers")
    }
}

/// Places every neuron population onto the wafers, one defect set each (see the module docs). A network
/// larger than the wafers, or a manual placement that does not hold its population or names a wafer the
/// machine lacks, is an error with the numbers.
pub fn place(
    net: &Network,
    hints: &BrainScaleSHints,
    defects: &[Defects],
) -> Result<NeuronPlacement, String> {
    check_size(net, hints, defects)?;
    let wafers = defects.len();
    let mut columns: Vec<Columns> = defects
        .iter()
        .enumerate()
        .map(|(w, d)| Columns::new(w as u32, d))
        .collect();
    let neuron_pops: Vec<usize> = (0..net.populations.len())
        .filter(|&i| !net.populations[i].cell_type.is_source())
        .collect();
    let mut placement = NeuronPlacement {
        populations: vec![Vec::new(); net.populations.len()],
    };
    let stimulated_at = |i: usize, k: usize| {
        net.populations[i]
            .param("i_offset")
            .is_some_and(|o| o.get(k as u32) > 0.0)
    };
    let stimulated_total = neuron_pops
        .iter()
        .map(|&i| {
            (0..net.populations[i].size as usize)
                .filter(|&k| stimulated_at(i, k))
                .count()
        })
        .sum::<usize>();
    let usable_hicanns = defects
        .iter()
        .map(|d| {
            HicannOnWafer::all()
                .filter(|&h| d.is_hicann_usable(h))
                .count()
        })
        .sum::<usize>();
    let spread = stimulated_total <= STIMULI_PER_HICANN * usable_hicanns;
    // Places neurons `from..` of population i on `hicanns` of `columns`' wafer, appending to `out`; the
    // number placed.
    let put = |columns: &mut Columns,
               out: &mut Vec<NeuronSlot>,
               i: usize,
               from: usize,
               hicanns: &[HicannOnWafer]| {
        let recorded = net.populations[i].records("v").map(|r| r.neurons.clone());
        let traced = move |k: usize| match &recorded {
            None => false,
            Some(None) => true,
            Some(Some(n)) => n.binary_search(&((from + k) as u32)).is_ok(),
        };
        let stimulated = |k: usize| stimulated_at(i, from + k);
        let size = net.populations[i].size as usize;
        let count = size - from;
        let cols = (hints.neuron_size[i] / 2) as u8;
        // Stimulated neurons within the HICANNs' stimuli if the machine has them for the whole network (on
        // a copy, kept only when all `count` neurons fit so), else placed as the others and reported by the
        // assembly.
        let mut strict_columns = columns.clone();
        let mut slots = Vec::with_capacity(count);
        let mut needs = Needs {
            traced: &traced,
            stimulated: &stimulated,
            strict: true,
        };
        let strict = spread
            && (0..count).any(stimulated)
            && strict_columns.take(hicanns, count, cols, &needs, &mut slots) == count;
        if strict {
            *columns = strict_columns;
            out.extend(slots);
            return count;
        }
        needs.strict = false;
        columns.take(hicanns, count, cols, &needs, out)
    };
    let (manual, automatic): (Vec<usize>, Vec<usize>) = neuron_pops
        .iter()
        .partition(|&&i| hints.placement[i].is_some());
    for &i in &manual {
        let population = &net.populations[i];
        let listed = hints.placement[i].as_ref().expect("manual");
        let at = format!("extensions.brainscales.placement.{}", population.label);
        if let Some(bad) = listed.iter().find(|h| h.wafer as usize >= wafers) {
            return Err(format!(
                "{at}: wafer {} does not exist (the machine has {wafers} wafer(s), 0 to {})",
                bad.wafer,
                wafers - 1
            ));
        }
        if let Some(bad) = listed
            .iter()
            .find(|h| !defects[h.wafer as usize].is_hicann_usable(h.hicann))
        {
            let on = if wafers == 1 {
                String::new()
            } else {
                format!(" of wafer {}", bad.wafer)
            };
            return Err(format!("{at}: {}{on} is defective", bad.hicann));
        }
        let mut placed = 0;
        for run in listed.chunk_by(|a, b| a.wafer == b.wafer) {
            let hicanns: Vec<HicannOnWafer> = run.iter().map(|h: &WaferHicann| h.hicann).collect();
            let c = &mut columns[run[0].wafer as usize];
            placed += put(c, &mut placement.populations[i], i, placed, &hicanns);
        }
        if placed < population.size as usize {
            return Err(format!(
                "{at}: {} neurons of {} denmems do not fit on the {} HICANN(s) given (room for {placed} \
                 after defects and earlier placements)",
                population.size,
                hints.neuron_size[i],
                listed.len()
            ));
        }
    }
    let orders: Vec<Vec<HicannOnWafer>> = defects.iter().map(centre_first).collect();
    let weight = connection_weights(net);
    for i in cluster_order(&weight, &automatic) {
        let size = net.populations[i].size as usize;
        let near = |placement: &NeuronPlacement, wafer: usize| {
            nearest_to_partners(&orders[wafer], &weight[i], placement, i, wafer as u32)
        };
        let preferred = wafers_by_partners(&weight[i], &placement, i, wafers);
        // Whole on the first wafer of `preferred` that holds it (no synapse of its own crosses then) ...
        let whole = preferred.iter().find_map(|&w| {
            let mut trial = columns[w].clone();
            let mut slots = Vec::with_capacity(size);
            let placed = put(&mut trial, &mut slots, i, 0, &near(&placement, w));
            (placed == size).then_some((w, trial, slots))
        });
        if let Some((w, trial, slots)) = whole {
            columns[w] = trial;
            placement.populations[i] = slots;
        } else {
            // ... else split over the wafers in that order, its first neurons on the first.
            for &w in &preferred {
                let from = placement.populations[i].len();
                if from == size {
                    break;
                }
                let hicanns = near(&placement, w);
                put(
                    &mut columns[w],
                    &mut placement.populations[i],
                    i,
                    from,
                    &hicanns,
                );
            }
        }
        let out = &placement.populations[i];
        if out.len() < size {
            return Err(format!(
                "population '{}': only {} of its {} neurons of {} denmems found room on {} (neuron blocks \
                 are 32 columns, so a neuron_size that does not divide 64 leaves gaps; a recorded membrane \
                 needs a reticle with an analog output left, 2 per reticle)",
                net.populations[i].label,
                out.len(),
                size,
                hints.neuron_size[i],
                machine(wafers)
            ));
        }
    }
    Ok(placement)
}
