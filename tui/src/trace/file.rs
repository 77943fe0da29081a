//! The trace file: a magic, a format version, then records, each a little-endian `u32` length and that many
//! bytes of bincode 2 (standard configuration): the [`Header`] first, then one [`Frame`] per window.
//!
//! Each record is written with one `write_all` as its window ends, so a run killed at any moment leaves whole
//! records followed by at most one cut one; the reader keeps the whole ones and says the file was cut.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::{Frame, Header, Trace};

/// The first bytes of every trace file.
pub const MAGIC: &[u8; 8] = b"NMEMUTRC";
/// The version this nmemu writes and reads; a change of the record types changes it.
pub const FORMAT_VERSION: u32 = 1;
/// The largest record read (a header of a million-chip machine is about 30 MB): a larger length is corruption,
/// not a reason to allocate.
const MAX_RECORD: usize = 256 << 20;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Appends frames to a trace file as a run proceeds.
pub struct TraceWriter {
    file: File,
}

impl TraceWriter {
    /// Creates (or replaces) `path` and writes the magic, the version and `header`.
    pub fn create(path: &Path, header: &Header) -> Result<TraceWriter, String> {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut writer = TraceWriter { file };
        let mut start = MAGIC.to_vec();
        start.extend(FORMAT_VERSION.to_le_bytes());
        writer
            .file
            .write_all(&start)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        writer
            .record(header)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(writer)
    }

    /// Appends one window.
    pub fn append(&mut self, frame: &Frame) -> std::io::Result<()> {
        self.record(frame)
    }

    fn record<T: serde::Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        let body = bincode::serde::encode_to_vec(value, config()).map_err(std::io::Error::other)?;
        let length = u32::try_from(body.len()).map_err(std::io::Error::other)?;
        let mut record = Vec::with_capacity(4 + body.len());
        record.extend(length.to_le_bytes());
        record.extend(body);
        self.file.write_all(&record)
    }
}

/// Reads the trace file at `path`.
pub fn read(path: &Path) -> Result<Trace, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a trace from its bytes; errors say what is wrong and at which byte.
pub fn read_bytes(bytes: &[u8]) -> Result<Trace, String> {
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err("not an nmemu trace (it does not start with NMEMUTRC)".to_string());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(format!(
            "trace format version {version}; this nmemu reads version {FORMAT_VERSION}"
        ));
    }
    let mut records = Records {
        bytes,
        at: 12,
        truncated: false,
    };
    let header: Header = match records.next_record("the header")? {
        Some(header) => header,
        None => return Err("the file ends before its header (the run was stopped at once)".into()),
    };
    let mut frames = Vec::new();
    while let Some(frame) = records.next_record(&format!("frame {}", frames.len()))? {
        frames.push(frame);
    }
    Ok(Trace {
        header,
        frames,
        truncated: records.truncated,
    })
}

/// The records after the version.
struct Records<'a> {
    bytes: &'a [u8],
    at: usize,
    truncated: bool,
}

impl Records<'_> {
    /// The next whole record, `None` at the end or at a cut last record.
    fn next_record<T: serde::de::DeserializeOwned>(
        &mut self,
        what: &str,
    ) -> Result<Option<T>, String> {
        let rest = &self.bytes[self.at..];
        if rest.is_empty() {
            return Ok(None);
        }
        if rest.len() < 4 {
            self.truncated = true;
            return Ok(None);
        }
        let length = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        if length > MAX_RECORD {
            return Err(format!(
                "{what} at byte {}: a record of {length} bytes (at most {MAX_RECORD}): the file is corrupt",
                self.at
            ));
        }
        if rest.len() < 4 + length {
            self.truncated = true;
            return Ok(None);
        }
        let (value, used) = bincode::serde::decode_from_slice(&rest[4..4 + length], config())
            .map_err(|e| format!("{what} at byte {}: {e}", self.at))?;
        if used != length {
            return Err(format!(
                "{what} at byte {}: {} bytes left over in its record: the file is corrupt",
                self.at,
                length - used
            ));
        }
        self.at += 4 + length;
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::spinnaker::tests::small_trace;

    #[test]
    fn a_trace_reads_back_and_a_cut_one_keeps_its_whole_frames() {
        let trace = small_trace();
        let dir = std::env::temp_dir().join(format!("nmemu-tui-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.trace");
        let mut w = TraceWriter::create(&path, &trace.header).unwrap();
        for f in &trace.frames {
            w.append(f).unwrap();
        }
        drop(w);
        assert_eq!(read(&path).unwrap(), trace);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let cut = read_bytes(&bytes[..bytes.len() - 3]).unwrap();
        assert!(cut.truncated);
        assert_eq!(cut.frames, trace.frames[..trace.frames.len() - 1]);
        let e = read_bytes(b"NMEMUTRC\x02\0\0\0").unwrap_err();
        assert_eq!(e, "trace format version 2; this nmemu reads version 1");
        assert!(
            read_bytes(b"{\"x\": 1}")
                .unwrap_err()
                .starts_with("not an nmemu trace")
        );
        let mut huge = bytes[..12].to_vec();
        huge.extend(u32::MAX.to_le_bytes());
        assert!(read_bytes(&huge).unwrap_err().contains("corrupt"));
    }
}
