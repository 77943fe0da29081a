//! Routing tables as the mapper builds them, and their minimisation to fit the router: 1,023 application
//! entries per chip (spec A4.4).
//!
//! [`minimise`] is what the mapper calls per chip; [`minimise_all`] runs it over every chip in parallel.
//! The algorithms are those of the SpiNNaker tool chains (spec A5): Mundy's Ordered Covering (rig,
//! PACMAN), PACMAN's ordered Pair compressor, and rig's remove-default-routes. [`check_equivalent`] proves
//! a result routes every key as the input did.

mod entry;
mod equivalence;
mod io;
mod key_mask;
mod key_trie;
mod ordered_covering;
mod pair;
mod remove_default;

use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use spinnaker_emu::router::table::RoutingEntry;

pub use entry::TableEntry;
pub use equivalence::{Mismatch, check_equivalent};
pub use io::{ChipTable, TableFileError, parse_csv, parse_json, read_tables, write_tables};

use key_mask::first_overlap;

/// A routing-table minimiser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Mundy's Ordered Covering, then remove default routes (rig's `minimise`).
    OrderedCovering,
    /// PACMAN's ordered Pair compressor, then remove default routes. PACMAN stops after the pairing; the
    /// extra step is safe in an ordered table and saves 158 of 2,505 entries on PACMAN's `many_to_one`.
    Pair,
    /// Only drop the entries default routing handles.
    RemoveDefault,
    /// The table as given.
    None,
}

impl Algorithm {
    pub const ALL: [Algorithm; 4] = [
        Algorithm::OrderedCovering,
        Algorithm::Pair,
        Algorithm::RemoveDefault,
        Algorithm::None,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::OrderedCovering => "ordered-covering",
            Algorithm::Pair => "pair",
            Algorithm::RemoveDefault => "remove-default",
            Algorithm::None => "none",
        }
    }

    /// Ordered covering and pair reorder the table, which is only harmless when no key matches two
    /// entries.
    fn reorders(self) -> bool {
        matches!(self, Algorithm::OrderedCovering | Algorithm::Pair)
    }

    /// The largest table the algorithm takes ([`MAX_MERGING_ENTRIES`] for the two that merge).
    pub fn max_entries(self) -> Option<usize> {
        self.reorders().then_some(MAX_MERGING_ENTRIES)
    }
}

/// The largest table ordered covering and pair take. Their time grows faster than the square of the table
/// (measured: PACMAN's 39,235-entry `table1`, 5.5 s for ordered covering; 20,000 entries of random keys
/// and routes, where little merges, 21 s for ordered covering and 8 s for pair), so a larger input is
/// refused rather than left to run for hours. A router holds 1,023 entries; remove-default and none take
/// any size in linear time.
pub const MAX_MERGING_ENTRIES: usize = 50_000;

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = String;

    fn from_str(name: &str) -> Result<Algorithm, String> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
                format!(
                    "unknown algorithm `{name}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Why a table was not minimised; the caller names the chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinimiseError {
    /// An entry with a key bit outside its mask: the router matches it with no key, so it is a mapper bug.
    MatchesNothing { entry: usize, key: u32, mask: u32 },
    /// Two entries match a common key, but the algorithm reorders the table.
    Overlap {
        algorithm: Algorithm,
        first: usize,
        second: usize,
        key: u32,
    },
    /// The table is larger than the algorithm takes ([`Algorithm::max_entries`]).
    TooLarge {
        algorithm: Algorithm,
        entries: usize,
        limit: usize,
    },
    /// The smallest table the algorithm reached is still longer than the target.
    DoesNotFit {
        algorithm: Algorithm,
        entries: usize,
        target: usize,
    },
}

impl fmt::Display for MinimiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MinimiseError::MatchesNothing { entry, key, mask } => write!(
                f,
                "entry {entry}: key {key:#010x} has bits outside mask {mask:#010x}, so it matches no key"
            ),
            MinimiseError::Overlap {
                algorithm,
                first,
                second,
                key,
            } => write!(
                f,
                "entries {first} and {second} both match key {key:#010x}; {algorithm} reorders the table, \
                 which needs entries that no key matches twice"
            ),
            MinimiseError::TooLarge {
                algorithm,
                entries,
                limit,
            } => write!(
                f,
                "{entries} entries are more than {algorithm} takes ({limit}; its time grows faster than the \
                 square of the table); remove-default and none take any size"
            ),
            MinimiseError::DoesNotFit {
                algorithm,
                entries,
                target,
            } => write!(
                f,
                "{algorithm} could not fit {entries} entries into {target}"
            ),
        }
    }
}

impl std::error::Error for MinimiseError {}

/// Minimises one chip's table with `algorithm`, to at most `target` entries (`None`: as small as the
/// algorithm gets it).
///
/// A table that already fits the target is returned as it is, as PACMAN and rig's pipeline do: both only
/// minimise tables that do not fit. Ordered covering also stops as soon as the table fits (Mundy, PACMAN
/// issue #59: minimising further is slow and buys nothing).
pub fn minimise(
    entries: &[TableEntry],
    algorithm: Algorithm,
    target: Option<usize>,
) -> Result<Vec<RoutingEntry>, MinimiseError> {
    if let Some((entry, e)) = entries
        .iter()
        .enumerate()
        .find(|(_, e)| !e.key_mask().can_match())
    {
        return Err(MinimiseError::MatchesNothing {
            entry,
            key: e.key,
            mask: e.mask,
        });
    }
    let fits = |n: usize| target.is_none_or(|t| n <= t);
    let minimised = if target.is_some_and(|t| entries.len() <= t) {
        entries.to_vec()
    } else {
        if let Some(limit) = algorithm.max_entries().filter(|&l| entries.len() > l) {
            return Err(MinimiseError::TooLarge {
                algorithm,
                entries: entries.len(),
                limit,
            });
        }
        if algorithm.reorders() {
            let key_masks: Vec<_> = entries.iter().map(TableEntry::key_mask).collect();
            if let Some((first, second)) = first_overlap(&key_masks) {
                let both = key_masks[first].intersection(key_masks[second]);
                return Err(MinimiseError::Overlap {
                    algorithm,
                    first,
                    second,
                    key: both.map_or(0, |km| km.some_key()),
                });
            }
        }
        match algorithm {
            Algorithm::OrderedCovering => ordered_covering::ordered_covering(entries, target),
            Algorithm::Pair => remove_default::remove_default_routes(&pair::pair(entries)),
            Algorithm::RemoveDefault => remove_default::remove_default_routes(entries),
            Algorithm::None => entries.to_vec(),
        }
    };
    match target {
        Some(target) if !fits(minimised.len()) => Err(MinimiseError::DoesNotFit {
            algorithm,
            entries: minimised.len(),
            target,
        }),
        _ => Ok(minimised.iter().map(TableEntry::routing_entry).collect()),
    }
}

/// [`minimise`] for every chip, in parallel on the current rayon pool; results in the order of `tables`.
/// Each table is minimised on its own, so the results do not depend on the number of threads.
pub fn minimise_all(
    tables: &[ChipTable],
    algorithm: Algorithm,
    target: Option<usize>,
) -> Vec<Result<Vec<RoutingEntry>, MinimiseError>> {
    tables
        .par_iter()
        .map(|t| minimise(&t.entries, algorithm, target))
        .collect()
}
