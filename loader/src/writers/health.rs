//! run.json's `health` and `energy`: whether a run's numbers can be trusted, and what the real machine would
//! have spent on it. Machine-neutral containers: each emulator's back end decides the reasons and the energy
//! terms; the writers only carry them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How far a run's results can be trusted, worst last so that `max` combines reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing lost, altered or numerically suspect.
    Ok,
    /// Something was lost or departs from the model, but little enough that statistics still hold.
    Degraded,
    /// Enough was lost, or the arithmetic departed far enough, that the results do not describe the network.
    Unreliable,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Degraded => "degraded",
            Verdict::Unreliable => "unreliable",
        }
    }
}

/// One reason for a verdict other than `ok`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HealthReason {
    pub severity: Verdict,
    /// What happened, with the measured figure.
    pub what: String,
    /// What to change.
    pub advice: String,
}

/// run.json's `health`: the verdict and every reason for it (empty when `ok`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub verdict: Verdict,
    pub reasons: Vec<HealthReason>,
}

impl Health {
    /// The verdict of `reasons`: the worst severity among them, `ok` when there are none.
    pub fn from_reasons(reasons: Vec<HealthReason>) -> Health {
        Health {
            verdict: reasons
                .iter()
                .map(|r| r.severity)
                .max()
                .unwrap_or(Verdict::Ok),
            reasons,
        }
    }
}

/// run.json's `energy`: joules the real machine would have used, in total and by term (the back end names the
/// terms and cites its power model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Energy {
    pub total_j: f64,
    pub breakdown_j: BTreeMap<String, f64>,
    /// Joules per synaptic event processed (total / events), when any were.
    pub per_synaptic_event_j: Option<f64>,
    /// The power model's source.
    pub model: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_reason_decides() {
        assert_eq!(Health::from_reasons(Vec::new()).verdict, Verdict::Ok);
        let reason = |severity| HealthReason {
            severity,
            what: String::new(),
            advice: String::new(),
        };
        let h = Health::from_reasons(vec![
            reason(Verdict::Degraded),
            reason(Verdict::Unreliable),
            reason(Verdict::Degraded),
        ]);
        assert_eq!(h.verdict, Verdict::Unreliable);
        assert_eq!(
            serde_json::to_value(&h).unwrap()["verdict"],
            serde_json::json!("unreliable")
        );
    }
}
