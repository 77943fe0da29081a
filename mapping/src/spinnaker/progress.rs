//! The mapping's phases as they begin, for a progress display. The mapper prints nothing itself (the binary
//! owns the terminal); it tells an [`Observer`] where it is, and the binary draws a bar or writes a line.

use std::fmt;
use std::sync::Arc;

/// A phase of [`super::map`], in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Expand,
    Partition,
    Keys,
    Synapses,
    Place,
    Route,
    Tables,
    Image,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 8] = [
        Phase::Expand,
        Phase::Partition,
        Phase::Keys,
        Phase::Synapses,
        Phase::Place,
        Phase::Route,
        Phase::Tables,
        Phase::Image,
    ];

    /// What the phase does, for a person.
    pub fn describe(self) -> &'static str {
        match self {
            Phase::Expand => "expanding connectors",
            Phase::Partition => "partitioning populations",
            Phase::Keys => "allocating keys",
            Phase::Synapses => "building synaptic matrices",
            Phase::Place => "placing cores",
            Phase::Route => "routing",
            Phase::Tables => "building and minimising routing tables",
            Phase::Image => "assembling the machine image",
        }
    }

    /// Position in [`Phase::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Who is told when a phase begins (nobody by default). Called on the mapping's thread.
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<dyn Fn(Phase) + Send + Sync>>);

impl Observer {
    pub fn new(on_phase: impl Fn(Phase) + Send + Sync + 'static) -> Observer {
        Observer(Some(Arc::new(on_phase)))
    }

    /// Says that `phase` begins.
    pub fn begin(&self, phase: Phase) {
        if let Some(on_phase) = &self.0 {
            on_phase(phase);
        }
    }
}

impl fmt::Debug for Observer {
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
    use crate::spinnaker::{SpinnakerOptions, map};

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
        assert_eq!(*seen.lock().unwrap(), Phase::ALL);
        let indices: Vec<usize> = Phase::ALL.iter().map(|p| p.index()).collect();
        assert_eq!(indices, (0..Phase::ALL.len()).collect::<Vec<_>>());
    }
}
