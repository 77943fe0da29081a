//! Synapse-driver assignment (marocco `SynapseDriverRequirements` and the Fieres assignment, spec §6.3,
//! mapping-and-pynn §A6.4), one incoming bus at one HICANN at a time.
//!
//! A bus arrives on one vertical line, and a vertical line may close one synapse switch (sthal's default
//! limits), so it feeds one driver directly; more drivers hear it through a chain of mirrors outward in the
//! driver's quadrant (`chain`), at most `driver_chain_length` long. The bus' synapses at this HICANN are
//! grouped in classes of (synaptic input, 2 MSBs of the source address): a row drives one input, and both
//! half-rows of our rows decode the class' MSBs, so a row serves one class. A class needs as many rows as
//! its busiest target neuron has synapses per column of the neuron ([`Demand::rows`]). The chain is the
//! switchable local driver with the longest run of free, working drivers outward (up to what the demand
//! needs); its rows are shared out by [`share_rows`]. Synapses whose class gets no row are lost to the
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
    /// Rows that hold all its synapses.
    pub rows: usize,
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

/// Rows per class out of `budget` rows: one each, busiest class (most synapses) first, then one more at
/// a time to the class with the most rows still missing, until the budget or the demand runs out.
pub fn share_rows(demands: &[Demand], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..demands.len()).collect();
    order.sort_by(|&a, &b| {
        demands[b]
            .synapses
            .cmp(&demands[a].synapses)
            .then(demands[a].class.cmp(&demands[b].class))
    });
    let mut rows = vec![0; demands.len()];
    let mut left = budget;
    for &i in &order {
        if left == 0 {
            break;
        }
        if demands[i].rows > 0 {
            rows[i] = 1;
            left -= 1;
        }
    }
    while left > 0 {
        let Some(&i) = order
            .iter()
            .filter(|&&i| rows[i] > 0 && rows[i] < demands[i].rows)
            .max_by(|&&a, &&b| {
                (demands[a].rows - rows[a])
                    .cmp(&(demands[b].rows - rows[b]))
                    .then(b.cmp(&a))
            })
        else {
            break;
        };
        rows[i] += 1;
        left -= 1;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demand(excitatory: bool, rows: usize, synapses: usize) -> Demand {
        Demand {
            class: Class {
                stp: None,
                excitatory,
                msb: 3,
            },
            rows,
            synapses,
        }
    }

    #[test]
    fn rows_go_first_one_per_class_then_to_the_neediest() {
        let d = [demand(true, 4, 40), demand(false, 1, 5)];
        assert_eq!(share_rows(&d, 6), vec![4, 1]);
        assert_eq!(share_rows(&d, 3), vec![2, 1]);
        assert_eq!(share_rows(&d, 1), vec![1, 0]);
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
