//! provenance.json: every counter of the run, totals plus one list per machine part (outputs.md).
//!
//! The shape is `{"totals": {counter: integer}, "<section>": [...], ...}`: the sections sit beside `totals`
//! at the top level, named by the machine ("chips" and "cores" for SpiNNaker, "hicanns" and "neurons" for
//! BrainScaleS), and their entries use the hardware's counter names (spinnaker.md §6, brainscales.md). The
//! writers do not know those names; each emulator builds its entries as JSON values.

use std::collections::BTreeMap;
use std::path::Path;

use serde::ser::{Error as _, SerializeMap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::atomic::write_json;
use super::error::WriteError;

/// The key of the totals; no section may take it.
const TOTALS: &str = "totals";

/// The content of provenance.json.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    /// Counter name -> sum over the whole machine.
    pub totals: BTreeMap<String, u64>,
    /// Section name (e.g. "chips", "cores") -> one JSON object per machine part; written at the top level.
    pub sections: BTreeMap<String, Vec<serde_json::Value>>,
}

impl Provenance {
    /// Refuse a section named "totals": flattened, it would collide with the totals.
    pub(crate) fn check(&self, path: &Path) -> Result<(), WriteError> {
        if self.sections.contains_key(TOTALS) {
            return Err(WriteError::invalid(
                path,
                "a provenance section may not be named \"totals\"",
            ));
        }
        Ok(())
    }
}

impl Serialize for Provenance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.sections.contains_key(TOTALS) {
            return Err(S::Error::custom(
                "a provenance section may not be named \"totals\"",
            ));
        }
        let mut map = serializer.serialize_map(Some(1 + self.sections.len()))?;
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
        let sections = top
            .into_iter()
            .map(|(name, value)| match value {
                serde_json::Value::Array(entries) => Ok((name, entries)),
                _ => Err(D::Error::custom(format!(
                    "provenance section {name:?} is not a list"
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Provenance { totals, sections })
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
    fn sections_are_flattened_beside_totals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("provenance.json");
        write_provenance(&path, &spinnaker()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({
                "totals": {"Dropped_Multicast": 2, "Times_Timer_Overran": 0},
                "chips": [{"x": 0, "y": 0, "Dropped_Multicast": 2}],
                "cores": [{"x": 0, "y": 0, "p": 1}, {"x": 0, "y": 0, "p": 2}],
            })
        );
        assert!(
            text.find("\"totals\"") < text.find("\"chips\""),
            "totals first"
        );
        let back: Provenance = serde_json::from_str(&text).unwrap();
        assert_eq!(back, spinnaker());
    }

    #[test]
    fn a_section_named_totals_is_refused() {
        let mut provenance = spinnaker();
        provenance.sections.insert("totals".into(), vec![]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("provenance.json");
        let err = write_provenance(&path, &provenance).unwrap_err();
        assert!(err.to_string().contains("totals"), "{err}");
        assert!(!path.exists());
        assert!(serde_json::to_string(&provenance).is_err());
    }

    #[test]
    fn reading_requires_totals_and_list_sections() {
        assert!(serde_json::from_value::<Provenance>(json!({"cores": []})).is_err());
        assert!(serde_json::from_value::<Provenance>(json!({"totals": {}, "cores": 1})).is_err());
        let empty: Provenance = serde_json::from_value(json!({"totals": {}})).unwrap();
        assert_eq!(empty, Provenance::default());
    }
}
