//! The first of the mapper's two passes over the synapses: each projection is expanded, summarised and dropped,
//! so that the mapper never holds more than one projection's synapses (the full-scale microcircuit's 0.3
//! billion take 3 GB expanded). What the decisions before any row is built need is gathered here: per
//! projection its count and delays (slicing, delay extensions, the tick estimate), per post neuron its input
//! bound (weight shifts) and its conductance shot noise (numerical warnings). The second pass,
//! `synaptic_matrix::build`, expands each projection again, identically (expansion is deterministic), to write
//! its rows. Expanding twice costs time, not memory.

use nmemu_loader::connectors::PerSynapse;
use nmemu_loader::{Network, Synapses, expand};

use super::numerics::Shots;
use super::synapses::InputBounds;

/// What the mapper keeps of one projection's synapses between its two passes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProjectionSummary {
    pub synapses: u64,
    /// The longest delay, in timesteps (0 without synapses).
    pub max_delay: u32,
    /// All synapses have the same delay.
    pub one_delay: bool,
}

impl ProjectionSummary {
    pub fn of(synapses: &Synapses) -> ProjectionSummary {
        let (max_delay, one_delay) = match &synapses.delays {
            PerSynapse::Same(d) => (
                if synapses.is_empty() {
                    0
                } else {
                    u32::from(*d)
                },
                true,
            ),
            PerSynapse::Each(d) => (
                d.iter().copied().max().map_or(0, u32::from),
                d.windows(2).all(|w| w[0] == w[1]),
            ),
        };
        ProjectionSummary {
            synapses: synapses.len(),
            max_delay,
            one_delay,
        }
    }
}

/// Everything the first pass gathers.
pub struct Summary {
    pub projections: Vec<ProjectionSummary>,
    pub shots: Shots,
    pub bounds: InputBounds,
}

/// Expands every projection in turn, in projection order (the sums over synapses are then those of one pass
/// over all of them), and keeps only the summaries.
pub fn summarise(net: &Network) -> Result<Summary, String> {
    let mut shots = Shots::new(net);
    let mut bounds = InputBounds::new(net);
    let projections = (0..net.projections.len())
        .map(|j| {
            let synapses = expand(net, j).map_err(|e| e.to_string())?;
            shots.add(net, j, &synapses);
            bounds.add(net, j, &synapses, net.simulation.timestep_ms);
            Ok(ProjectionSummary::of(&synapses))
        })
        .collect::<Result<_, String>>()?;
    Ok(Summary {
        projections,
        shots,
        bounds,
    })
}
