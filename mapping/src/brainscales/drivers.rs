//! Synapse-driver assignment (marocco `SynapseDriverRequirements` and the Fieres assignment, spec §6.3,
//! mapping-and-pynn §A6.4), one incoming bus at one HICANN at a time.
//!
//! A bus arrives on one vertical line, and a vertical line may close one synapse switch (sthal's default
//! limits), so it feeds one driver directly; more drivers hear it through a chain of mirrors outward in the
//! driver's quadrant (`chain`), at most `driver_chain_length` long. The bus' synapses at this HICANN are
//! grouped in classes of (synaptic input, 2 MSBs of the source address). A row drives one input, and its
//! even and odd columns decode 2 MSBs each (spec §2.8), so a row serves one class on both halves, or two
//! classes of one input on one half each (half-row packing, marocco's "synapse type per half driver"
//! idea carried to the decoders). A class needs as many units as its busiest target neuron has synapses
//! per unit ([`Demand::units`]). The chain is the switchable local driver with the longest run of free,
//! working drivers outward (up to what the demand needs); its rows are shared out by [`share`] (whole
//! rows) or [`share_halves`] (half-rows). Synapses whose class gets no row are lost to the
//! drivers; those a class' rows cannot hold are lost to rows/addresses ([`super::synapses`]).

use brainscales_emu::coord::{
    HicannOnWafer, SYNAPSE_DRIVERS, SynapseDriverOnHicann, VLineOnHicann,
};
use brainscales_emu::defects::Defects;
use brainscales_emu::layer1::bus::HicannL1;
use brainscales_emu::layer1::switches::vline_rows;
use brainscales_emu::synapse::SynapseConfig;
use brainscales_emu::synapse::driver::DriverMode;

use super::stp::StpKey;

/// A row class: the driver's STP setting (first, so classes of one setting are neighbours on the chain),
/// the synaptic input (excitatory or not) and the 2 MSBs its half-rows decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Class {
    pub stp: Option<StpKey>,
    pub excitatory: bool,
    pub msb: u8,
}

/// What one class asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demand {
    pub class: Class,
    /// Units (whole rows, or half-rows when packed) that hold all its synapses.
    pub units: usize,
    pub synapses: usize,
}

/// The outward neighbour of a driver line in its quadrant (the chain direction, `synapse::chain`).
fn outer(line: usize) -> Option<usize> {
    if line < SYNAPSE_DRIVERS / 2 {
        line.checked_sub(2)
    } else {
        Some(line + 2).filter(|&l| l < SYNAPSE_DRIVERS)
    }
}

fn free(synapses: &SynapseConfig, defects: &Defects, hicann: HicannOnWafer, line: usize) -> bool {
    synapses.drivers[line].mode == DriverMode::Disabled
        && defects.is_driver_usable(
            hicann,
            SynapseDriverOnHicann::new(line as u8).expect("below 224"),
        )
}

/// The free run of drivers outward from `line`, at most `max` long.
fn run(
    synapses: &SynapseConfig,
    defects: &Defects,
    hicann: HicannOnWafer,
    line: usize,
    max: usize,
) -> Vec<u8> {
    let mut lines = Vec::new();
    let mut cur = Some(line);
    while let Some(l) = cur.filter(|&l| lines.len() < max && free(synapses, defects, hicann, l)) {
        lines.push(l as u8);
        cur = outer(l);
    }
    lines
}

/// Attaches a chain of up to `wanted` drivers to `vline` on `hicann`: closes the synapse switch, sets the
/// modes (L1 or L1Mirror, then Mirror, the outer end Listen) and returns the driver lines, the switched one
/// first; `None` if no local driver on the line's switch rows is free.
pub fn attach_chain(
    l1: &mut HicannL1,
    synapses: &mut SynapseConfig,
    defects: &Defects,
    hicann: HicannOnWafer,
    vline: VLineOnHicann,
    wanted: usize,
) -> Option<Vec<u8>> {
    let mut best: Option<(brainscales_emu::layer1::switches::SwitchRow, Vec<u8>)> = None;
    for row in vline_rows(vline) {
        let (neighbour, driver) = row.target();
        if neighbour.is_some() {
            continue;
        }
        let lines = run(
            synapses,
            defects,
            hicann,
            usize::from(driver.line()),
            wanted,
        );
        if !lines.is_empty() && best.as_ref().is_none_or(|(_, b)| lines.len() > b.len()) {
            best = Some((row, lines));
        }
    }
    let (row, lines) = best?;
    l1.synapse_switches
        .set(row, vline, true)
        .expect("a switch of the line's row");
    let last = lines.len() - 1;
    for (k, &line) in lines.iter().enumerate() {
        synapses.drivers[usize::from(line)].mode = match (k, last) {
            (0, 0) => DriverMode::L1,
            (0, _) => DriverMode::L1Mirror,
            (k, last) if k == last => DriverMode::Listen,
            _ => DriverMode::Mirror,
        };
    }
    Some(lines)
}

/// Units (rows or half-rows) per class out of `budget`: one each, busiest class (most synapses) first,
/// then one more at a time to the class with the most units still missing, until the budget or the
/// demand runs out.
pub fn share(demands: &[Demand], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..demands.len()).collect();
    order.sort_by(|&a, &b| {
        demands[b]
            .synapses
            .cmp(&demands[a].synapses)
            .then(demands[a].class.cmp(&demands[b].class))
    });
    let mut units = vec![0; demands.len()];
    let mut left = budget;
    for &i in &order {
        if left == 0 {
            break;
        }
        if demands[i].units > 0 {
            units[i] = 1;
            left -= 1;
        }
    }
    while left > 0 {
        let Some(&i) = order
            .iter()
            .filter(|&&i| units[i] > 0 && units[i] < demands[i].units)
            .max_by(|&&a, &&b| {
                (demands[a].units - units[a])
                    .cmp(&(demands[b].units - units[b]))
                    .then(b.cmp(&a))
            })
        else {
            break;
        };
        units[i] += 1;
        left -= 1;
    }
    units
}

/// Rows that half-row shares `halves` take: the half-rows of one synaptic input fill rows together
/// (a row drives one input), classes in order.
pub fn rows_of_halves(demands: &[Demand], halves: &[usize]) -> usize {
    [false, true]
        .iter()
        .map(|&excitatory| {
            let h: usize = demands
                .iter()
                .zip(halves)
                .filter(|(d, _)| d.class.excitatory == excitatory)
                .map(|(_, &h)| h)
                .sum();
            h.div_ceil(2)
        })
        .sum()
}

/// Half-row shares of `demands` within `rows` rows: [`share`] over `2 rows` half-rows, then, if an odd
/// count of excitatory and of inhibitory halves needs one row more than there is, one half less for the
/// class holding the most (the least busy class when each holds one).
pub fn share_halves(demands: &[Demand], rows: usize) -> Vec<usize> {
    let mut halves = share(demands, 2 * rows);
    while rows_of_halves(demands, &halves) > rows {
        let most = (0..demands.len())
            .filter(|&i| halves[i] > 0)
            .max_by(|&a, &b| {
                halves[a]
                    .cmp(&halves[b])
                    .then(demands[b].synapses.cmp(&demands[a].synapses))
                    .then(b.cmp(&a))
            })
            .expect("rows exceeded by some half");
        halves[most] -= 1;
    }
    halves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demand(excitatory: bool, msb: u8, units: usize, synapses: usize) -> Demand {
        Demand {
            class: Class {
                stp: None,
                excitatory,
                msb,
            },
            units,
            synapses,
        }
    }

    #[test]
    fn rows_go_first_one_per_class_then_to_the_neediest() {
        let d = [demand(true, 3, 4, 40), demand(false, 3, 1, 5)];
        assert_eq!(share(&d, 6), vec![4, 1]);
        assert_eq!(share(&d, 3), vec![2, 1]);
        assert_eq!(share(&d, 1), vec![1, 0]);
    }

    #[test]
    fn half_rows_of_one_input_share_rows_and_inputs_never_share_one() {
        // Four excitatory classes of one half-row each fit 2 rows; one inhibitory half needs a row of
        // its own.
        let d: Vec<Demand> = (0..4)
            .map(|msb| demand(true, msb, 1, 10))
            .chain([demand(false, 0, 1, 5)])
            .collect();
        assert_eq!(rows_of_halves(&d, &[1, 1, 1, 1, 0]), 2);
        assert_eq!(rows_of_halves(&d, &[1, 1, 1, 1, 1]), 3);
        assert_eq!(share_halves(&d, 3), vec![1, 1, 1, 1, 1]);
        // In 2 rows the 5 halves would need 3: the least busy class gives its half up.
        assert_eq!(share_halves(&d, 2), vec![1, 1, 1, 1, 0]);
        // An odd excitatory and an odd inhibitory count in as many rows as there are: the class with the
        // most halves gives one up.
        let d = [demand(true, 0, 3, 30), demand(false, 0, 1, 5)];
        assert_eq!(share_halves(&d, 2), vec![2, 1]);
    }

    #[test]
    fn a_chain_runs_outward_over_free_working_drivers() {
        let mut l1 = HicannL1::default();
        let mut syn = SynapseConfig::default();
        let h = HicannOnWafer::from_enum(0).unwrap();
        let v = VLineOnHicann::new(0).unwrap();
        let lines = attach_chain(&mut l1, &mut syn, &Defects::default(), h, v, 3).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            syn.drivers[usize::from(lines[0])].mode,
            DriverMode::L1Mirror
        );
        assert_eq!(syn.drivers[usize::from(lines[2])].mode, DriverMode::Listen);
        assert!(brainscales_emu::synapse::SynapseBlock::new(syn).is_ok());
    }
}
