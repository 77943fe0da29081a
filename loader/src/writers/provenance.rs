//! provenance.json: every counter of the run, a readable summary, totals, plus one list per machine part
//! (outputs.md).
//!
//! The shape is `{"summary": {...}, "totals": {counter: integer}, "<section>": [...], ...}`: `summary` first,
//! with the run's headline figures under plain snake_case names for a reader who does not know the hardware;
//! then `totals` and the sections beside them at the top level, named by the machine ("chips" and "cores" for
//! SpiNNaker, "hicanns" and "neurons" for BrainScaleS). Counters keep the hardware's names verbatim
//! (spinnaker.md §6, brainscales.md), so they can be looked up in its documentation; every other key is
//! snake_case. The writers do not know those names; each emulator builds its entries as JSON values.

use std::collections::BTreeMap;
use std::path::Path;

use serde::ser::{Error as _, SerializeMap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::atomic::write_json;
use super::error::WriteError;

/// The key of the summary; no section may take it.
const SUMMARY: &str = "summary";
/// The key of the totals; no section may take it.
const TOTALS: &str = "totals";

/// The content of provenance.json.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// Headline figures (snake_case name -> number or object), written first.
    pub summary: BTreeMap<String, serde_json::Value>,
    /// Counter name -> sum over the whole machine.
    pub totals: BTreeMap<String, u64>,
    /// Section name (e.g. "chips", "cores") -> one JSON object per machine part; written at the top level.
    pub sections: BTreeMap<String, Vec<serde_json::Value>>,
}

impl Provenance {
    /// A section named "summary" or "totals" would collide with them once flattened.
    fn reserved_section(&self) -> Option<&'static str> {
        [SUMMARY, TOTALS]
            .into_iter()
            .find(|name| self.sections.contains_key(*name))
    }

    /// Refuse a section named "summary" or "totals".
    pub(crate) fn check(&self, path: &Path) -> Result<(), WriteError> {
        match self.reserved_section() {
            Some(name) => Err(WriteError::invalid(
                path,
                format!("a provenance section may not be named \"{name}\""),
            )),
            None => Ok(()),
        }
    }
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(name) = self.reserved_section() {
            return Err(S::Error::custom(format!(
                "a provenance section may not be named \"{name}\""
            )));
        }
        let mut map = serializer.serialize_map(Some(2 + self.sections.len()))?;
        map.serialize_entry(SUMMARY, &self.summary)?;
        map.serialize_entry(TOTALS, &self.totals)?;
        for (name, entries) in &self.sections {
            map.serialize_entry(name, entries)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Provenance {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut top = BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        let totals = top
            .remove(TOTALS)
            .ok_or_else(|| D::Error::missing_field(TOTALS))?;
        let totals = serde_json::from_value(totals).map_err(D::Error::custom)?;
        let summary = match top.remove(SUMMARY) {
            Some(summary) => serde_json::from_value(summary).map_err(D::Error::custom)?,
            None => BTreeMap::new(),
        };
        let sections = top
            .into_iter()
            .map(|(name, value)| match value {
                serde_json::Value::Array(entries) => Ok((name, entries)),
                _ => Err(D::Error::custom(format!(
                    "provenance section {name:?} is not a list"
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Provenance {
            summary,
            totals,
            sections,
        })
    }
}

/// Write `provenance` to `path` (normally `<dir>/provenance.json`).
pub fn write_provenance(path: &Path, provenance: &Provenance) -> Result<(), WriteError> {
    provenance.check(path)?;
    write_json(path, provenance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spinnaker() -> Provenance {
        Provenance {
            summary: [("spikes_sent".to_owned(), json!(3))].into_iter().collect(),
            totals: [
                ("Dropped_Multicast".to_owned(), 2),
                ("Times_Timer_Overran".to_owned(), 0),
            ]
            .into_iter()
            .collect(),
            sections: [
                (
                    "chips".to_owned(),
                    vec![json!({"x": 0, "y": 0, "Dropped_Multicast": 2})],
                ),
                (
                    "cores".to_owned(),
                    vec![
                        json!({"x": 0, "y": 0, "p": 1}),
                        json!({"x": 0, "y": 0, "p": 2}),
                    ],
                ),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn summary_first_then_totals_then_the_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("provenance.json");
        write_provenance(&path, &spinnaker()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({
                "summary": {"spikes_sent": 3},
                "totals": {"Dropped_Multicast": 2, "Times_Timer_Overran": 0},
                "chips": [{"x": 0, "y": 0, "Dropped_Multicast": 2}],
                "cores": [{"x": 0, "y": 0, "p": 1}, {"x": 0, "y": 0, "p": 2}],
            })
        );
        assert!(
            text.find("\"summary\"") < text.find("\"totals\"")
                && text.find("\"totals\"") < text.find("\"chips\""),
            "summary, then totals, then the sections"
        );
        let back: Provenance = serde_json::from_str(&text).unwrap();
        assert_eq!(back, spinnaker());
    }

    #[test]
    fn a_section_named_summary_or_totals_is_refused() {
        for reserved in ["summary", "totals"] {
            let mut provenance = spinnaker();
            provenance.sections.insert(reserved.into(), vec![]);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("provenance.json");
            let err = write_provenance(&path, &provenance).unwrap_err();
            assert!(err.to_string().contains(reserved), "{err}");
            assert!(!path.exists());
            assert!(serde_json::to_string(&provenance).is_err());
        }
    }

    #[test]
    fn reading_requires_totals_and_list_sections() {
        assert!(serde_json::from_value::<Provenance>(json!({"cores": []})).is_err());
        assert!(serde_json::from_value::<Provenance>(json!({"totals": {}, "cores": 1})).is_err());
        let empty: Provenance = serde_json::from_value(json!({"totals": {}})).unwrap();
        assert_eq!(empty, Provenance::default());
    }
}
