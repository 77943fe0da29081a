//! Reading input files with a size bound.
//!
//! `std::fs::read_to_string` grows without limit: `/dev/zero` or a multi-gigabyte file given as net.json would
//! fill the host's memory before the parser saw a byte. Inputs are read through [`read_bounded`], which refuses
//! a file larger than its limit, naming the limit, and reads at most one byte past it from a stream.

use std::io::Read;
use std::path::Path;

/// The largest net.json read: 256 MiB. Parsed into a `serde_json::Value` a file takes several times its size in
/// memory; the largest files are FromList connectors, 256 MiB of which is about ten million connections (past
/// that, a generated connector or `nmemu example` describes the network in a few lines).
pub const MAX_NET_FILE_BYTES: u64 = 256 << 20;

/// Reads a net.json file of at most [`MAX_NET_FILE_BYTES`].
pub fn read_net_file(path: &Path) -> std::io::Result<String> {
    read_bounded(path, MAX_NET_FILE_BYTES, "a net.json file")
}

/// Reads a UTF-8 text file of at most `limit` bytes; `what` names the kind of file in the refusal
/// ("a net.json file"). The error's message does not repeat the path.
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> std::io::Result<String> {
    let too_large = || {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {}, the limit for {what}", byte_size(limit)),
        )
    };
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > limit {
        return Err(too_large());
    }
    let bytes = read_at_most(file, limit)?.ok_or_else(too_large)?;
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text (byte {} is not valid UTF-8)",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Reads `reader` to its end, or gives `None` once it passes `limit` bytes: at most `limit + 1` bytes are read,
/// so a stream without end (`/dev/zero`, a decompression bomb) stops there.
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// A limit for messages: in MiB when whole MiB, else in bytes.
pub fn byte_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("net.json");
        std::fs::write(&path, "{}\n").unwrap();
        assert_eq!(read_bounded(&path, 3, "a net.json file").unwrap(), "{}\n");
        let err = read_bounded(&path, 2, "a net.json file").unwrap_err();
        assert_eq!(
            err.to_string(),
            "larger than 2 bytes, the limit for a net.json file"
        );
        std::fs::write(&path, b"{\xff}").unwrap();
        assert!(
            read_bounded(&path, 10, "x")
                .unwrap_err()
                .to_string()
                .contains("byte 1")
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_stream_is_cut_at_the_limit() {
        let err = read_bounded(Path::new("/dev/zero"), 1 << 20, "a faults file").unwrap_err();
        assert_eq!(
            err.to_string(),
            "larger than 1 MiB, the limit for a faults file"
        );
    }
}
