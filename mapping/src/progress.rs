//! The mapping's phases as they begin, for a progress display. The mapper prints nothing itself (the binary
//! owns the terminal); it tells an [`Observer`] where it is, and the binary draws a bar or writes a line.
//! Each back end has its own phases ([`crate::spinnaker::Phase`], [`crate::brainscales::Phase`]); the
//! observer and the binary's bar are the same for both.

use std::fmt;
use std::sync::Arc;

/// A phase of one back end's mapping: all of them in order, a text for a person, and the position.
pub trait Phase: Copy + Send + 'static {
    /// Every phase, in the order they run.
    const ALL: &'static [Self];
    /// What the phase does, for a person.
    fn describe(self) -> &'static str;
    /// Position in [`Phase::ALL`].
    fn index(self) -> usize;
}

/// Who is told when a phase begins (nobody by default). Called on the mapping's thread.
pub struct Observer<P>(Option<Arc<dyn Fn(P) + Send + Sync>>);

impl<P> Clone for Observer<P> {
    fn clone(&self) -> Self {
        Observer(self.0.clone())
    }
}

impl<P> Default for Observer<P> {
    fn default() -> Self {
        Observer(None)
    }
}

impl<P: Phase> Observer<P> {
    pub fn new(on_phase: impl Fn(P) + Send + Sync + 'static) -> Observer<P> {
        Observer(Some(Arc::new(on_phase)))
    }

    /// Says that `phase` begins.
    pub fn begin(&self, phase: P) {
        if let Some(on_phase) = &self.0 {
            on_phase(phase);
        }
    }
}

impl<P> fmt::Debug for Observer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(..)"
        } else {
            "Observer(none)"
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use nmemu_loader::{Limits, Network};
    use spinnaker_emu::image::MachineDescription;

    use super::*;
    use crate::spinnaker::{Phase as SpinnakerPhase, SpinnakerOptions, map};

    #[test]
    fn a_mapping_reports_every_phase_in_order() {
        let net = Network::from_json(
            r#"{"format": "nmemu-net/1", "simulation": {"duration_ms": 10},
                "populations": [{"label": "a", "size": 2, "cell": {"type": "IF_curr_exp"}}],
                "projections": [{"pre": "a", "post": "a", "receptor_type": "excitatory",
                                 "connector": {"type": "AllToAllConnector"},
                                 "synapse": {"type": "StaticSynapse", "weight": 0.1}}]}"#,
            &Limits::default(),
        )
        .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let machine = MachineDescription {
            preset: "spinnaker-3".to_string(),
            ideal_cores: false,
            faults: Default::default(),
        };
        let options = SpinnakerOptions {
            progress: Observer::new(move |phase| record.lock().unwrap().push(phase)),
            ..SpinnakerOptions::new(machine, 1)
        };
        map(&net, &options).unwrap();
        assert_eq!(*seen.lock().unwrap(), SpinnakerPhase::ALL);
        let indices: Vec<usize> = SpinnakerPhase::ALL.iter().map(|p| p.index()).collect();
        assert_eq!(indices, (0..SpinnakerPhase::ALL.len()).collect::<Vec<_>>());
    }
}
