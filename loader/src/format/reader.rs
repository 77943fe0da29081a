//! A path-tracking reader over `serde_json::Value`.
//!
//! net.json is parsed by hand from a `Value` rather than with `#[derive(Deserialize)]`: derived deserialisers of
//! tagged and untagged enums (cell types, connectors, distributions, "number or array or distribution" values)
//! lose the JSON path and say "data did not match any variant". Reading through [`Obj`] keeps the exact path of
//! every value, rejects unknown fields with a "did you mean" hint and names the value found, as the spec requires.

use serde_json::{Map, Value};

use crate::error::LoadError;

/// A JSON path in the notation of the spec: `projections[2].connector.p_connect`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath(String);

impl JsonPath {
    pub fn root() -> Self {
        JsonPath(String::new())
    }

    pub fn field(&self, name: &str) -> Self {
        if self.0.is_empty() {
            JsonPath(name.to_owned())
        } else {
            JsonPath(format!("{}.{name}", self.0))
        }
    }

    pub fn index(&self, i: usize) -> Self {
        JsonPath(format!("{}[{i}]", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An error at this path.
    pub fn err(&self, message: impl Into<String>) -> LoadError {
        LoadError::at(self.0.clone(), message)
    }
}

impl std::fmt::Display for JsonPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a value looks, for "expected X, got Y" messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() > 40 => {
            format!("a string \"{}…\"", &s[..s.floor_char_boundary(40)])
        }
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(a) => format!("an array of {} elements", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// The known name closest to `name`, if it is close enough to be a likely typo: at most a third of the known
/// name's letters edited (at least one, never all of them), case ignored. Failing that, the one known name that
/// `name` abbreviates up to an underscore (`p` for `p_connect`; `tau` is ambiguous among `tau_m`, `tau_refrac`).
pub fn did_you_mean<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let name = name.to_lowercase();
    let close = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&name, &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 1.max(k.len() / 3) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    close.or_else(|| {
        let mut abbreviated = known.iter().filter(|k| {
            k.to_lowercase()
                .strip_prefix(name.as_str())
                .is_some_and(|rest| rest.starts_with('_'))
        });
        match (abbreviated.next(), abbreviated.next()) {
            (Some(k), None) => Some(*k),
            _ => None,
        }
    })
}

/// "unknown X `name`" with a hint and the list of what is known.
pub fn unknown_name(what: &str, name: &str, known: &[&str]) -> String {
    let hint = did_you_mean(name, known)
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    format!(
        "unknown {what} `{name}`{hint}; expected one of: {}",
        known.join(", ")
    )
}

pub fn as_f64(v: &Value, path: &JsonPath) -> Result<f64, LoadError> {
    v.as_f64()
        .ok_or_else(|| path.err(format!("expected a number, got {}", describe(v))))
}

/// A non-negative integer; an integral float such as `3.0` is accepted too, because NumPy-based exporters
/// (a PyNN connection list is a float array) write indices that way.
pub fn as_u64(v: &Value, path: &JsonPath) -> Result<u64, LoadError> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 2f64.powi(64))
                    .map(|x| x as u64)
            })
            .ok_or_else(|| {
                path.err(format!(
                    "expected a non-negative integer, got the number {n}"
                ))
            }),
        _ => Err(path.err(format!(
            "expected a non-negative integer, got {}",
            describe(v)
        ))),
    }
}

pub fn as_u32(v: &Value, path: &JsonPath) -> Result<u32, LoadError> {
    let n = as_u64(v, path)?;
    u32::try_from(n).map_err(|_| path.err(format!("must be at most {}, got {n}", u32::MAX)))
}

pub fn as_str<'a>(v: &'a Value, path: &JsonPath) -> Result<&'a str, LoadError> {
    v.as_str()
        .ok_or_else(|| path.err(format!("expected a string, got {}", describe(v))))
}

pub fn as_bool(v: &Value, path: &JsonPath) -> Result<bool, LoadError> {
    v.as_bool()
        .ok_or_else(|| path.err(format!("expected true or false, got {}", describe(v))))
}

pub fn as_array<'a>(v: &'a Value, path: &JsonPath) -> Result<&'a [Value], LoadError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| path.err(format!("expected an array, got {}", describe(v))))
}

/// Each element of an array with its path.
pub fn elements<'a>(
    v: &'a Value,
    path: &JsonPath,
) -> Result<impl Iterator<Item = (&'a Value, JsonPath)>, LoadError> {
    let path = path.clone();
    Ok(as_array(v, &path)?
        .iter()
        .enumerate()
        .map(move |(i, e)| (e, path.index(i))))
}

pub fn f64_array(v: &Value, path: &JsonPath) -> Result<Vec<f64>, LoadError> {
    elements(v, path)?.map(|(e, p)| as_f64(e, &p)).collect()
}

pub fn u32_array(v: &Value, path: &JsonPath) -> Result<Vec<u32>, LoadError> {
    elements(v, path)?.map(|(e, p)| as_u32(e, &p)).collect()
}

/// A JSON object whose field names have been checked against the known ones.
pub struct Obj<'a> {
    pub path: JsonPath,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    /// Reads `v` as an object whose fields must all be among `known`.
    pub fn new(v: &'a Value, path: &JsonPath, known: &[&str]) -> Result<Self, LoadError> {
        let map = v
            .as_object()
            .ok_or_else(|| path.err(format!("expected an object, got {}", describe(v))))?;
        if let Some(bad) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(path.field(bad).err(unknown_name("field", bad, known)));
        }
        Ok(Obj {
            path: path.clone(),
            map,
        })
    }

    pub fn get(&self, key: &str) -> Option<(&'a Value, JsonPath)> {
        self.map.get(key).map(|v| (v, self.path.field(key)))
    }

    pub fn req(&self, key: &str) -> Result<(&'a Value, JsonPath), LoadError> {
        self.get(key).ok_or_else(|| {
            self.path
                .field(key)
                .err(format!("required field `{key}` is missing"))
        })
    }

    pub fn f64(&self, key: &str) -> Result<f64, LoadError> {
        let (v, p) = self.req(key)?;
        as_f64(v, &p)
    }

    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>, LoadError> {
        self.get(key).map(|(v, p)| as_f64(v, &p)).transpose()
    }

    pub fn f64_or(&self, key: &str, default: f64) -> Result<f64, LoadError> {
        Ok(self.opt_f64(key)?.unwrap_or(default))
    }

    pub fn u64(&self, key: &str) -> Result<u64, LoadError> {
        let (v, p) = self.req(key)?;
        as_u64(v, &p)
    }

    pub fn u32(&self, key: &str) -> Result<u32, LoadError> {
        let (v, p) = self.req(key)?;
        as_u32(v, &p)
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, LoadError> {
        self.get(key)
            .map(|(v, p)| as_bool(v, &p))
            .transpose()
            .map(|b| b.unwrap_or(default))
    }

    pub fn str(&self, key: &str) -> Result<&'a str, LoadError> {
        let (v, p) = self.req(key)?;
        as_str(v, &p)
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, LoadError> {
        self.get(key).map(|(v, p)| as_str(v, &p)).transpose()
    }

    /// Reads the tag field (`type` or `distribution`) and checks it against `known`.
    pub fn tag(&self, key: &str, what: &str, known: &[&str]) -> Result<&'a str, LoadError> {
        let (v, p) = self.req(key)?;
        let name = as_str(v, &p)?;
        if known.contains(&name) {
            Ok(name)
        } else {
            Err(p.err(unknown_name(what, name, known)))
        }
    }
}

/// Checks the fields of a tagged object (`{"type": T, ...}`) once its tag is known: the tag field plus `fields`.
pub fn tagged<'a>(
    v: &'a Value,
    path: &JsonPath,
    tag_key: &str,
    fields: &[&str],
) -> Result<Obj<'a>, LoadError> {
    let mut known: Vec<&str> = Vec::with_capacity(fields.len() + 1);
    known.push(tag_key);
    known.extend_from_slice(fields);
    Obj::new(v, path, &known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_like_the_spec() {
        let p = JsonPath::root()
            .field("projections")
            .index(2)
            .field("connector");
        assert_eq!(
            p.field("p_connect").as_str(),
            "projections[2].connector.p_connect"
        );
    }

    #[test]
    fn unknown_field_suggests_close_name() {
        let v = json!({"p_conect": 0.5});
        let err = Obj::new(
            &v,
            &JsonPath::root().field("c"),
            &["p_connect", "allow_self_connections"],
        )
        .err()
        .unwrap();
        let text = err.to_string();
        assert!(
            text.starts_with("c.p_conect: unknown field `p_conect`"),
            "{text}"
        );
        assert!(text.contains("did you mean `p_connect`?"), "{text}");
    }

    #[test]
    fn an_abbreviation_suggests_the_one_name_it_starts() {
        let known = ["type", "p_connect", "allow_self_connections"];
        assert_eq!(did_you_mean("p", &known), Some("p_connect"));
        assert_eq!(did_you_mean("P", &known), Some("p_connect"));
        assert_eq!(
            did_you_mean("allow", &known),
            Some("allow_self_connections")
        );
    }

    #[test]
    fn far_names_get_no_hint() {
        assert_eq!(did_you_mean("banana", &["p_connect", "n"]), None);
        // One letter is not a typo of another one-letter name, nor two letters of a three-letter one.
        assert_eq!(did_you_mean("p", &["n", "with_replacement"]), None);
        assert_eq!(did_you_mean("abc", &["exc", "inh"]), None);
        assert_eq!(did_you_mean("exx", &["exc", "inh"]), Some("exc"));
        assert_eq!(did_you_mean("tau", &["tau_m", "tau_refrac"]), None);
        assert_eq!(
            did_you_mean("tau_M", &["tau_m", "tau_refrac"]),
            Some("tau_m")
        );
    }

    #[test]
    fn type_errors_name_the_value() {
        let v = json!({"size": "ten"});
        let o = Obj::new(
            &v,
            &JsonPath::root().field("populations").index(0),
            &["size"],
        )
        .unwrap();
        let text = o.u32("size").unwrap_err().to_string();
        assert_eq!(
            text,
            "populations[0].size: expected a non-negative integer, got the string \"ten\""
        );
        assert!(o.f64("missing").is_err());
    }
}
