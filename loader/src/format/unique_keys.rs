//! JSON text to a `serde_json::Value`, refusing objects that give a key twice.
//!
//! serde_json keeps the last of duplicate keys, so `{"size": 1, "size": 5}` silently made 5 neurons. A file that
//! says two things at one place is ambiguous (other readers keep the first), so the loader refuses it and names the
//! JSON path. The value is built by a seed that knows its place in the document as a chain of borrowed steps; the
//! path is only spelled out when a duplicate is found, so valid files cost no more than `serde_json::from_str`.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::reader::JsonPath;
use crate::error::LoadError;

/// Parses JSON text; syntax errors carry line and column, a duplicate key its JSON path.
pub fn parse(text: &str) -> Result<Value, LoadError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Seed {
        at: &Step::Root,
        duplicate: &duplicate,
    };
    let result = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    result.map_err(|e| match duplicate.take() {
        Some((path, key)) => path.field(&key).err(format!(
            "`{key}` is given twice in one object (again at line {}, column {}); give each key once",
            e.line(),
            e.column()
        )),
        None => syntax_error(&e),
    })
}

/// serde_json appends " at line L column C" to its messages; the error carries those separately.
fn syntax_error(e: &serde_json::Error) -> LoadError {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    LoadError::Syntax {
        line: e.line(),
        column: e.column(),
        message,
    }
}

/// Where a value sits: the root, a field of an object or an element of an array.
enum Step<'a> {
    Root,
    Field(&'a Step<'a>, &'a str),
    Index(&'a Step<'a>, usize),
}

impl Step<'_> {
    fn path(&self) -> JsonPath {
        match self {
            Step::Root => JsonPath::root(),
            Step::Field(parent, key) => parent.path().field(key),
            Step::Index(parent, i) => parent.path().index(*i),
        }
    }
}

/// Reads the value at `at`; a duplicate key found below is left in `duplicate` (path of the object, key).
#[derive(Clone, Copy)]
struct Seed<'a> {
    at: &'a Step<'a>,
    duplicate: &'a RefCell<Option<(JsonPath, String)>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Number::from_f64(x).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            let step = Step::Index(self.at, items.len());
            let seed = Seed {
                at: &step,
                duplicate: self.duplicate,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                let message = format!("duplicate key `{key}`");
                *self.duplicate.borrow_mut() = Some((self.at.path(), key));
                return Err(de::Error::custom(message));
            }
            let value = {
                let step = Step::Field(self.at, &key);
                access.next_value_seed(Seed {
                    at: &step,
                    duplicate: self.duplicate,
                })?
            };
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_as_serde_json() {
        let text =
            r#"{"a": [1, -2, 3.5, 1e300, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn duplicate_keys_name_their_path() {
        let err = parse(r#"{"populations": [{"size": 1}, {"size": 1, "size": 5}]}"#).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("populations[1].size: `size` is given twice in one object"),
            "{text}"
        );
        let err = parse(r#"{"a": 1, "a": 2}"#).unwrap_err().to_string();
        assert!(err.starts_with("a: `a` is given twice"), "{err}");
    }

    #[test]
    fn syntax_errors_keep_line_and_column() {
        match parse("{\n  \"a\": ,\n}") {
            Err(LoadError::Syntax { line, column, .. }) => assert_eq!((line, column), (2, 8)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse("{} x"), Err(LoadError::Syntax { .. })));
    }
}
