//! Driver chains: one vertical bus may drive only one driver directly (spec §3.3), so a source that needs
//! several drivers reaches them by mirroring (spec §2.7).
//!
//! A driver whose `connect_neighbor` bit is set joins its input line to its *outer* neighbour on the same
//! side: the next driver of its quadrant towards the array's outer edge, line y - 2 in the top half and
//! y + 2 in the bottom half (marocco `SynapseDriverRouting`: "on the upper (lower) half analog propagation
//! between adjacent drivers is implemented via a topin (bottomin) bit; all except the uppermost
//! (lowermost) driver, the end piece, are set to mirror"). The joined lines form one analog wire, so an
//! event entering at the chain's L1 driver reaches every driver of the chain. Line y and y +- 2 always lie
//! in the same quadrant and the first and last lines of a quadrant have no outer neighbour there, so a chain
//! never leaves its quadrant.

use super::ConfigError;
use super::driver::{DriverMode, SynapseDriver};
use crate::coord::SYNAPSE_DRIVERS;

/// Drivers per quadrant: the hardware's longest chain (spec §2.7, §8.2 rule 4).
pub const HARDWARE_MAX_CHAIN: usize = 56;
/// marocco's default chain-length limit; longer chains risk decode failures (an analog effect, spec §2.7).
pub const DEFAULT_CHAIN_LIMIT: usize = 3;

/// For every driver line, the lines of the chain it belongs to (inclusive, stepping by 2).
#[derive(Debug, Clone)]
pub(crate) struct Chains {
    span: Vec<(u8, u8)>,
}

/// The outer neighbour of a driver line in its quadrant, if any.
fn outer(line: usize) -> Option<usize> {
    if line < SYNAPSE_DRIVERS / 2 {
        line.checked_sub(2)
    } else {
        Some(line + 2).filter(|&l| l < SYNAPSE_DRIVERS)
    }
}

impl Chains {
    /// Builds the chains and checks them: at most one L1 input per chain (two would short two buses), every
    /// listening driver has an L1 driver in its chain (spec §8.2 rule 4), and no chain is longer than
    /// `limit` drivers (`1..=HARDWARE_MAX_CHAIN`).
    pub(crate) fn build(drivers: &[SynapseDriver], limit: usize) -> Result<Chains, ConfigError> {
        if !(1..=HARDWARE_MAX_CHAIN).contains(&limit) {
            return Err(ConfigError::ChainLimit(limit));
        }
        let mut span: Vec<(u8, u8)> = (0..SYNAPSE_DRIVERS as u8).map(|l| (l, l)).collect();
        // Walk each of the four (half, parity) sequences from its inner end outwards, growing a chain while
        // the driver before connects to the next.
        for start in [110usize, 111, 112, 113] {
            let mut members: Vec<usize> = vec![start];
            let mut current = start;
            loop {
                let next = outer(current);
                let joined = drivers[current].mode.connects_neighbour() && next.is_some();
                if !joined {
                    Self::close(&members, drivers, limit, &mut span)?;
                    members.clear();
                }
                match next {
                    Some(n) => {
                        members.push(n);
                        current = n;
                    }
                    None => break,
                }
            }
            Self::close(&members, drivers, limit, &mut span)?;
        }
        Ok(Chains { span })
    }

    fn close(
        members: &[usize],
        drivers: &[SynapseDriver],
        limit: usize,
        span: &mut [(u8, u8)],
    ) -> Result<(), ConfigError> {
        let (Some(&a), Some(&b)) = (members.first(), members.last()) else {
            return Ok(());
        };
        let (lo, hi) = (a.min(b) as u8, a.max(b) as u8);
        let inputs: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&l| drivers[l].mode.takes_l1())
            .collect();
        if inputs.len() > 1 {
            return Err(ConfigError::ChainInputs {
                first: inputs[0] as u8,
                second: inputs[1] as u8,
            });
        }
        let listens = |l: &usize| {
            matches!(
                drivers[*l].mode,
                DriverMode::Listen | DriverMode::Mirror | DriverMode::MirrorOnly
            )
        };
        if inputs.is_empty()
            && let Some(&l) = members.iter().find(|l| listens(l))
        {
            return Err(ConfigError::ListenWithoutInput(l as u8));
        }
        if members.len() > limit {
            return Err(ConfigError::ChainTooLong {
                first: lo,
                len: members.len(),
                limit,
            });
        }
        for &l in members {
            span[l] = (lo, hi);
        }
        Ok(())
    }

    /// Lines reached by an event entering at `line` (itself included), stepping by 2.
    pub(crate) fn reach(&self, line: u8) -> impl Iterator<Item = u8> + use<> {
        let (lo, hi) = self.span[usize::from(line)];
        (lo..=hi).step_by(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drivers(modes: &[(usize, DriverMode)]) -> Vec<SynapseDriver> {
        let mut d = vec![SynapseDriver::default(); SYNAPSE_DRIVERS];
        for &(line, mode) in modes {
            d[line].mode = mode;
        }
        d
    }

    #[test]
    fn marocco_chain_in_the_top_half() {
        // Primary 9 (left, top), chain 5, 7, 9 with 5 the end piece (uppermost).
        let d = drivers(&[
            (9, DriverMode::L1Mirror),
            (7, DriverMode::Mirror),
            (5, DriverMode::Listen),
        ]);
        let chains = Chains::build(&d, 3).unwrap();
        assert_eq!(chains.reach(9).collect::<Vec<_>>(), vec![5, 7, 9]);
        assert_eq!(chains.reach(11).collect::<Vec<_>>(), vec![11]);
        assert_eq!(chains.reach(3).collect::<Vec<_>>(), vec![3]);
        assert!(matches!(
            Chains::build(&d, 2),
            Err(ConfigError::ChainTooLong { len: 3, .. })
        ));
    }

    #[test]
    fn bottom_chains_grow_downwards_and_stop_at_the_quadrant() {
        let d = drivers(&[
            (112, DriverMode::L1Mirror),
            (114, DriverMode::Listen),
            (110, DriverMode::L1Mirror),
        ]);
        let chains = Chains::build(&d, 3).unwrap();
        assert_eq!(chains.reach(112).collect::<Vec<_>>(), vec![112, 114]);
        // 110 mirrors upwards to 108 (disabled), never into the bottom half.
        assert_eq!(chains.reach(110).collect::<Vec<_>>(), vec![108, 110]);
    }

    #[test]
    fn rule_violations_are_refused() {
        let two_inputs = drivers(&[(9, DriverMode::L1Mirror), (7, DriverMode::L1)]);
        assert_eq!(
            Chains::build(&two_inputs, 3).unwrap_err(),
            ConfigError::ChainInputs {
                first: 9,
                second: 7
            }
        );
        let orphan = drivers(&[(20, DriverMode::Listen)]);
        assert_eq!(
            Chains::build(&orphan, 3).unwrap_err(),
            ConfigError::ListenWithoutInput(20)
        );
        assert!(Chains::build(&orphan, 0).is_err());
        assert!(Chains::build(&orphan, 57).is_err());
    }

    #[test]
    fn a_whole_quadrant_can_chain_up_to_the_hardware_limit() {
        // Top-left: odd lines 1..=111; 111 is the input, all mirror up to the end piece 1.
        let mut modes: Vec<(usize, DriverMode)> = (3..111)
            .step_by(2)
            .map(|l| (l, DriverMode::Mirror))
            .collect();
        modes.push((111, DriverMode::L1Mirror));
        modes.push((1, DriverMode::Listen));
        let d = drivers(&modes);
        let chains = Chains::build(&d, HARDWARE_MAX_CHAIN).unwrap();
        assert_eq!(chains.reach(111).count(), 56);
    }
}
