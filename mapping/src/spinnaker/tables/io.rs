//! Routing tables on disk, in the two formats of PACMAN's router-compressor unit tests: a JSON list of
//! per-chip tables (`{"x", "y", "entries": [{"key", "mask", "defaultable", "spinnaker_route"}]}`) and a
//! CSV of `key,mask,route` hexadecimal words for one table. Either may be gzipped.
//!
//! Bad input is an error naming the file, the place (JSON path or CSV line and field) and the value; never
//! a panic. A gzipped file may hold several members (as `cat a.gz b.gz` makes): all are read, as gunzip
//! does. The text, after decompression, is capped at [`MAX_TEXT_BYTES`] so that a gzip bomb or an endless
//! file is refused rather than exhausting memory. Entries with a key bit outside the mask are refused: the router matches them with nothing
//! (spec A0.2), and the minimisers' bit arithmetic assumes they are absent.

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use nmemu_loader::input::{byte_size, read_at_most};
use nmemu_loader::writers::{WriteError, write_atomic};
use serde_json::{Map, Value, json};
use spinnaker_emu::geometry::ChipCoord;
use spinnaker_emu::router::table::Route;

use super::TableEntry;

/// The multicast entries the mapper built for one chip, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipTable {
    pub chip: ChipCoord,
    pub entries: Vec<TableEntry>,
}

/// Why a table file could not be read or written: `file: place: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableFileError {
    pub file: String,
    /// JSON path (`[3].entries[17].mask`) or CSV place (`line 17, mask`); empty for whole-file problems.
    pub place: String,
    pub message: String,
}

impl fmt::Display for TableFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.place, self.message)
        }
    }
}

impl std::error::Error for TableFileError {}

/// A problem inside the text: (place, message).
type Problem = (String, String);

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
/// The most text a table file may hold once decompressed: 256 MiB, about three million entries in the JSON
/// format (a router holds 1,023), whose parsed form needs about four times as much memory.
pub const MAX_TEXT_BYTES: u64 = 256 << 20;
/// Route words hold 6 link and 18 processor bits.
const ROUTE_BITS: u32 = 24;

/// Reads a table file. Gzip is recognised by its magic bytes; the format by the name (`.json`, `.csv`,
/// either optionally followed by `.gz`), or else by the text: JSON starts with `[`.
pub fn read_tables(path: &Path) -> Result<Vec<ChipTable>, TableFileError> {
    let file = path.display().to_string();
    let text = read_text(path, MAX_TEXT_BYTES).map_err(|message| TableFileError {
        file: file.clone(),
        place: String::new(),
        message,
    })?;
    let name = file.strip_suffix(".gz").unwrap_or(&file);
    let is_json = if name.ends_with(".json") {
        true
    } else if name.ends_with(".csv") {
        false
    } else {
        text.trim_start().starts_with('[')
    };
    let parsed = if is_json {
        parse_json(&text)
    } else {
        parse_csv(&text).map(|entries| {
            vec![ChipTable {
                chip: ChipCoord::new(0, 0),
                entries,
            }]
        })
    };
    parsed.map_err(|(place, message)| TableFileError {
        file,
        place,
        message,
    })
}

/// The file's text, every gzip member decompressed; refused past `limit` bytes (read one byte beyond it to
/// tell a file at the limit from one over it). The message is for a whole-file [`TableFileError`].
fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut magic = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut file)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut magic)
        .map_err(|e| e.to_string())?;
    let gzipped = magic == GZIP_MAGIC;
    let whole = std::io::Cursor::new(magic).chain(file);
    let read = if gzipped {
        read_at_most(MultiGzDecoder::new(whole), limit)
            .map_err(|e| format!("not a readable gzip file: {e}"))?
    } else {
        read_at_most(whole, limit).map_err(|e| e.to_string())?
    };
    let Some(bytes) = read else {
        return Err(format!(
            "holds more than {} of text{}; the limit keeps a runaway file from exhausting memory",
            byte_size(limit),
            if gzipped { " once decompressed" } else { "" }
        ));
    };
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Parses the PACMAN JSON format. Fields other than the four of an entry and `x`, `y`, `entries` of a
/// table are ignored. A chip given two tables is refused: a router has one.
pub fn parse_json(text: &str) -> Result<Vec<ChipTable>, Problem> {
    let tables = parse_json_tables(text)?;
    let mut first_at: HashMap<(u16, u16), usize> = HashMap::with_capacity(tables.len());
    for (t, table) in tables.iter().enumerate() {
        let chip = (table.chip.x, table.chip.y);
        if let Some(first) = first_at.insert(chip, t) {
            return Err((
                format!("[{t}]"),
                format!(
                    "chip {} already has a table, at [{first}]; a router holds one table",
                    table.chip
                ),
            ));
        }
    }
    Ok(tables)
}

fn parse_json_tables(text: &str) -> Result<Vec<ChipTable>, Problem> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        (
            format!("line {}, column {}", e.line(), e.column()),
            syntax_message(&e),
        )
    })?;
    let tables = value
        .as_array()
        .ok_or_else(|| (String::new(), "expected a list of chip tables".to_owned()))?;
    tables
        .iter()
        .enumerate()
        .map(|(t, table)| {
            let place = format!("[{t}]");
            let fields = object(table, &place, "a chip table")?;
            let coordinate = |name: &str| {
                let value = field(fields, &place, name)?;
                unsigned(value, u64::from(u16::MAX))
                    .map(|v| v as u16)
                    .ok_or_else(|| {
                        (
                            format!("{place}.{name}"),
                            format!("expected a chip coordinate 0-65535, got {value}"),
                        )
                    })
            };
            let chip = ChipCoord::new(coordinate("x")?, coordinate("y")?);
            let entries_place = format!("{place}.entries");
            let entries = field(fields, &place, "entries")?
                .as_array()
                .ok_or_else(|| {
                    (
                        entries_place.clone(),
                        "expected a list of entries".to_owned(),
                    )
                })?;
            let entries = entries
                .iter()
                .enumerate()
                .map(|(e, entry)| json_entry(entry, &format!("{entries_place}[{e}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ChipTable { chip, entries })
        })
        .collect()
}

fn json_entry(entry: &Value, place: &str) -> Result<TableEntry, Problem> {
    let fields = object(entry, place, "an entry")?;
    let word = |name: &str, max: u64, what: &str| {
        let value = field(fields, place, name)?;
        unsigned(value, max).map(|v| v as u32).ok_or_else(|| {
            (
                format!("{place}.{name}"),
                format!("expected {what}, got {value}"),
            )
        })
    };
    let key = word("key", u64::from(u32::MAX), "an unsigned 32-bit integer")?;
    let mask = word("mask", u64::from(u32::MAX), "an unsigned 32-bit integer")?;
    let route = word(
        "spinnaker_route",
        (1 << ROUTE_BITS) - 1,
        "a route word (an unsigned integer below 2^24)",
    )?;
    let defaultable_at = format!("{place}.defaultable");
    let defaultable = field(fields, place, "defaultable")?;
    let defaultable = defaultable.as_bool().ok_or_else(|| {
        (
            defaultable_at,
            format!("expected true or false, got {defaultable}"),
        )
    })?;
    checked_entry(key, mask, route, defaultable).map_err(|message| (place.to_owned(), message))
}

fn object<'a>(
    value: &'a Value,
    place: &str,
    what: &str,
) -> Result<&'a Map<String, Value>, Problem> {
    value.as_object().ok_or_else(|| {
        (
            place.to_owned(),
            format!("expected {what} (a JSON object), got {value}"),
        )
    })
}

fn field<'a>(
    fields: &'a Map<String, Value>,
    place: &str,
    name: &str,
) -> Result<&'a Value, Problem> {
    fields
        .get(name)
        .ok_or_else(|| (place.to_owned(), format!("missing field `{name}`")))
}

/// An integer in 0..=max.
fn unsigned(value: &Value, max: u64) -> Option<u64> {
    value.as_u64().filter(|&v| v <= max)
}

/// serde_json's message without its own " at line L column C" suffix (the place says it).
fn syntax_message(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    }
}

/// Parses one table of `key,mask,route` lines of hexadecimal words (`0x` optional); blank lines are
/// skipped. The format has no default-routing information, so no entry is defaultable.
pub fn parse_csv(text: &str) -> Result<Vec<TableEntry>, Problem> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let place = format!("line {}", n + 1);
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [key, mask, route] = fields[..] else {
            return Err((
                place,
                format!("expected key,mask,route, got {} fields", fields.len()),
            ));
        };
        let word = |name: &str, text: &str, bits: u32| {
            let digits = text
                .strip_prefix("0x")
                .or_else(|| text.strip_prefix("0X"))
                .unwrap_or(text);
            u32::from_str_radix(digits, 16)
                .ok()
                .filter(|v| bits == 32 || v >> bits == 0)
                .ok_or_else(|| {
                    (
                        format!("{place}, {name}"),
                        format!("expected a hexadecimal word of at most {bits} bits, got {text:?}"),
                    )
                })
        };
        let entry = checked_entry(
            word("key", key, 32)?,
            word("mask", mask, 32)?,
            word("route", route, ROUTE_BITS)?,
            false,
        )
        .map_err(|message| (place.clone(), message))?;
        entries.push(entry);
    }
    Ok(entries)
}

fn checked_entry(key: u32, mask: u32, route: u32, defaultable: bool) -> Result<TableEntry, String> {
    if key & !mask != 0 {
        return Err(format!(
            "key {key:#010x} has bits outside mask {mask:#010x}; the router would match it with no key"
        ));
    }
    Ok(TableEntry {
        key,
        mask,
        route: Route(route),
        defaultable,
    })
}

/// Writes tables in the PACMAN JSON format, gzipped when the name ends in `.gz`.
pub fn write_tables(path: &Path, tables: &[ChipTable]) -> Result<(), TableFileError> {
    let value: Vec<Value> = tables
        .iter()
        .map(|t| {
            let entries: Vec<Value> = t
                .entries
                .iter()
                .map(|e| {
                    json!({"key": e.key, "mask": e.mask, "defaultable": e.defaultable,
                           "spinnaker_route": e.route.0})
                })
                .collect();
            json!({"x": t.chip.x, "y": t.chip.y, "entries": entries})
        })
        .collect();
    let text = serde_json::to_vec(&value).expect("JSON values always serialise");
    let gzip = path.extension().is_some_and(|e| e == "gz");
    // Atomic, and never through a symbolic link: a killed run leaves the old file, and `--out` cannot be
    // turned into a write to wherever a link points.
    write_atomic(path, |w| {
        if gzip {
            let mut encoder = GzEncoder::new(w, Compression::default());
            encoder.write_all(&text)?;
            encoder.finish().map(drop)
        } else {
            w.write_all(&text)
        }
    })
    .map_err(|e| TableFileError {
        file: path.display().to_string(),
        place: String::new(),
        message: match e {
            WriteError::Io { source, .. } => source.to_string(),
            WriteError::Invalid { problem, .. } => problem,
            other => other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"[{"x": 6, "y": 2, "entries": [
        {"key": 51, "mask": 4294967295, "defaultable": true, "spinnaker_route": 16},
        {"key": 64, "mask": 4294967232, "defaultable": false, "spinnaker_route": 8392704}]},
      {"x": 0, "y": 1, "entries": []}]"#;

    fn json_problem(text: &str) -> String {
        let (place, message) = parse_json(text).unwrap_err();
        format!("{place}: {message}")
    }

    #[test]
    fn json_tables_are_read_in_order() {
        let tables = parse_json(GOOD).unwrap();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].chip, ChipCoord::new(6, 2));
        assert_eq!(
            tables[0].entries[1],
            TableEntry {
                key: 64,
                mask: 0xFFFF_FFC0,
                route: Route(8_392_704),
                defaultable: false
            }
        );
        assert!(tables[0].entries[0].defaultable);
        assert!(tables[1].entries.is_empty());
    }

    #[test]
    fn json_problems_name_the_place_and_value() {
        let cases = [
            (
                GOOD.replace("4294967232", "-1"),
                "[0].entries[1].mask: expected an unsigned 32-bit integer, got -1",
            ),
            (
                GOOD.replace("4294967232", "4294967296"),
                "[0].entries[1].mask: expected an unsigned 32-bit integer",
            ),
            (
                GOOD.replace("\"key\": 51", "\"key\": \"51\""),
                "[0].entries[0].key: expected an unsigned 32-bit integer, got \"51\"",
            ),
            (
                GOOD.replace("8392704", "16777216"),
                "[0].entries[1].spinnaker_route: expected a route word",
            ),
            (
                GOOD.replace("\"defaultable\": true", "\"defaultable\": 1"),
                "[0].entries[0].defaultable: expected true or false, got 1",
            ),
            (GOOD.replace("\"y\": 1,", ""), "[1]: missing field `y`"),
            (
                GOOD.replace("\"x\": 6", "\"x\": 70000"),
                "[0].x: expected a chip coordinate",
            ),
            (
                GOOD.replace("\"key\": 64", "\"key\": 65"),
                "[0].entries[1]: key 0x00000041 has bits outside mask 0xffffffc0",
            ),
            (
                GOOD.replace("\"entries\": []", "\"entries\": {}"),
                "[1].entries: expected a list of entries",
            ),
            (
                GOOD.replace("{\"x\": 0, \"y\": 1, \"entries\": []}", "7"),
                "[1]: expected a chip table (a JSON object), got 7",
            ),
            ("{}".to_owned(), ": expected a list of chip tables"),
            (
                GOOD.replace("\"x\": 0, \"y\": 1", "\"x\": 6, \"y\": 2"),
                "[1]: chip (6, 2) already has a table, at [0]; a router holds one table",
            ),
            (GOOD.replace("}]},", "}]}"), "line 4, column"),
        ];
        for (text, expected) in cases {
            let problem = json_problem(&text);
            assert!(problem.contains(expected), "{problem:?} lacks {expected:?}");
        }
    }

    #[test]
    fn csv_lines_are_read_as_hexadecimal_words() {
        let entries =
            parse_csv("0x00100000,0xFFFFFFE0,0x00004223\n\n00100020, ffffffe0, 1\n").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].key, 0x0010_0000);
        assert_eq!(entries[1].mask, 0xFFFF_FFE0);
        assert_eq!(entries[1].route, Route(1));
        assert!(entries.iter().all(|e| !e.defaultable));
    }

    #[test]
    fn csv_problems_name_the_line_and_field() {
        let cases = [
            (
                "0x0,0x0,0x1\n0x0,0xZZ,0x1",
                "line 2, mask: expected a hexadecimal word of at most 32 bits, got \"0xZZ\"",
            ),
            ("0x0,0x0", "line 1: expected key,mask,route, got 2 fields"),
            (
                "0x0,0x0,0x1000000",
                "line 1, route: expected a hexadecimal word of at most 24 bits",
            ),
            (
                "0x0,0x0,0x1\n0x0,0x0,0x1\n0x3,0x1,0x1",
                "line 3: key 0x00000003 has bits outside mask 0x00000001",
            ),
            ("0x100000000,0x0,0x1", "line 1, key"),
        ];
        for (text, expected) in cases {
            let (place, message) = parse_csv(text).unwrap_err();
            let problem = format!("{place}: {message}");
            assert!(problem.contains(expected), "{problem:?} lacks {expected:?}");
        }
    }

    #[test]
    fn files_round_trip_plain_and_gzipped() {
        let dir = std::env::temp_dir().join(format!("nmemu-tables-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let tables = parse_json(GOOD).unwrap();
        for name in ["t.json", "t.json.gz"] {
            let path = dir.join(name);
            write_tables(&path, &tables).unwrap();
            assert_eq!(read_tables(&path).unwrap(), tables);
        }
        let csv = dir.join("one.table");
        std::fs::write(&csv, "0x10,0xF0,0x1\n").unwrap();
        let read = read_tables(&csv).unwrap();
        assert_eq!((read.len(), read[0].entries.len()), (1, 1));
        let broken = dir.join("broken.json.gz");
        std::fs::write(&broken, [0x1F, 0x8B, 0, 1, 2]).unwrap();
        let error = read_tables(&broken).unwrap_err().to_string();
        assert!(
            error.contains("broken.json.gz: not a readable gzip file"),
            "{error}"
        );
        let missing = read_tables(&dir.join("missing.csv"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("missing.csv: "), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn every_gzip_member_is_read_and_the_text_is_capped() {
        let dir = std::env::temp_dir().join(format!("nmemu-tables-gz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // `cat a.csv.gz b.csv.gz`: two members, one table of both files' entries.
        let joined = dir.join("joined.csv.gz");
        let mut bytes = gzip(b"0x10,0xF0,0x1\n");
        bytes.extend(gzip(b"0x20,0xF0,0x2\n"));
        std::fs::write(&joined, &bytes).unwrap();
        let tables = read_tables(&joined).unwrap();
        assert_eq!(tables[0].entries.len(), 2);
        assert_eq!(tables[0].entries[1].route, Route(2));
        // A bomb: 64 KiB of text from a few hundred bytes, refused at a 4 KiB limit; plain text too.
        let bomb = dir.join("bomb.csv.gz");
        std::fs::write(&bomb, gzip(&[b'0'; 1 << 16])).unwrap();
        assert_eq!(read_text(&bomb, 1 << 16).unwrap().len(), 1 << 16);
        let refused = read_text(&bomb, 4096).unwrap_err();
        assert_eq!(
            refused,
            "holds more than 4096 bytes of text once decompressed; the limit keeps a runaway file \
             from exhausting memory"
        );
        let plain = dir.join("plain.csv");
        std::fs::write(&plain, [b'0'; 4097]).unwrap();
        assert!(
            read_text(&plain, 4096)
                .unwrap_err()
                .contains("more than 4096 bytes of text;")
        );
        assert_eq!(byte_size(MAX_TEXT_BYTES), "256 MiB");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_bundled_reference_tables_read() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/routing-tables");
        let tables = read_tables(&data.join("many_to_one.json.gz")).unwrap();
        assert_eq!(tables.len(), 576);
        assert_eq!(
            tables.iter().map(|t| t.entries.len()).sum::<usize>(),
            15_245
        );
        assert_eq!(tables.iter().map(|t| t.entries.len()).max(), Some(1_650));
        let table1 = read_tables(&data.join("table1.csv.gz")).unwrap();
        assert_eq!(table1[0].entries.len(), 39_235);
    }
}
