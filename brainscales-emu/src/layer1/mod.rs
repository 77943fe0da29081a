//! Layer 1: the on-wafer event network (spec §2.5, §2.6, §3).
//!
//! A spike leaves its denmem through the neuron block's priority encoder, is merged with background
//! events and other blocks in the merger tree, and leaves the HICANN through a DNC merger and its sending
//! repeater ([`merger`], [`background`]). On the wafer it travels as a 6-bit address along horizontal and
//! vertical bus lines, across chip edges through repeaters, through crossbar switches between horizontal
//! and vertical lines and through synapse switches to synapse drivers ([`switches`], [`repeaters`]);
//! [`bus`] computes which drivers each sending repeater reaches, with what latency, and limits the event
//! rate per bus.
//!
//! Every place that can lose an event counts the loss by cause in a counters struct of its block.

pub mod background;
pub mod bus;
pub mod merger;
pub mod repeaters;
pub mod switches;

use crate::coord::HicannOnWafer;

/// A configuration the hardware cannot run, naming the HICANN and the line or block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L1ConfigError {
    #[error("{hicann}: {what}")]
    Hicann { hicann: HicannOnWafer, what: String },
}

impl L1ConfigError {
    pub(crate) fn at(hicann: HicannOnWafer, what: impl Into<String>) -> L1ConfigError {
        L1ConfigError::Hicann {
            hicann,
            what: what.into(),
        }
    }
}
