//! `--max-memory` (validate, map, run): the most host memory a command may plan to use. Networks whose estimate
//! (`nmemu_mapping::spinnaker::memory`) exceeds it are refused with the estimate and the limit before anything
//! large is allocated, rather than killed by the kernel or aborted by a failed allocation.

use nmemu_mapping::spinnaker::memory::{MemoryLimit, bytes};

/// The flag's name, as refusals give it.
pub const FLAG: &str = "--max-memory";

/// Share of the host's total memory the default allows: the rest is left to the system and other processes.
const HOST_SHARE: f64 = 0.75;

/// The default where the host's memory cannot be read (not Linux): 8 GB.
const FALLBACK_BYTES: u64 = 8_000_000_000;

#[derive(Debug, Clone, clap::Args)]
pub struct MemoryArgs {
    /// Refuse networks whose estimated memory exceeds this: bytes, or a number with kB, MB, GB, TB (powers of
    /// 1000) or KiB, MiB, GiB, TiB. Default: 3/4 of the host's total memory (from /proc/meminfo on Linux;
    /// 8 GB elsewhere).
    #[arg(long, value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
}

impl MemoryArgs {
    /// The limit in bytes and how it was set (for messages).
    pub fn limit_bytes(&self) -> (u64, String) {
        match self.max_memory {
            Some(bytes) => (bytes, FLAG.to_string()),
            None => match host_total_bytes() {
                Some(total) => (
                    (total as f64 * HOST_SHARE) as u64,
                    format!("{FLAG} (default: 3/4 of this host's {})", bytes(total)),
                ),
                None => (FALLBACK_BYTES, format!("{FLAG} (default)")),
            },
        }
    }

    /// The limit for a mapping (`running`: the image will also be loaded into the emulator).
    pub fn limit(&self, running: bool) -> MemoryLimit {
        let (bytes, source) = self.limit_bytes();
        MemoryLimit {
            bytes,
            source,
            running,
        }
    }
}

/// The host's total memory, from `MemTotal` of /proc/meminfo (kB).
fn host_total_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_total(&text)
}

fn meminfo_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut fields = line.split_whitespace().skip(1);
    let value: u64 = fields.next()?.parse().ok()?;
    match fields.next() {
        Some("kB") => value.checked_mul(1024),
        _ => None,
    }
}

/// `--max-memory` (clap's value parser): a byte count with an optional unit.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024f64.powi(2),
        "gib" => 1024f64.powi(3),
        "tib" => 1024f64.powi(4),
        _ => f64::NAN,
    };
    match number.parse::<f64>() {
        Ok(x) if scale.is_finite() && x > 0.0 && x * scale < 1.8e19 => Ok((x * scale) as u64),
        _ => Err(format!(
            "expected a positive size such as 12GB, 512MiB or 2000000000, got `{text}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_their_units() {
        assert_eq!(parse_bytes("2000"), Ok(2000));
        assert_eq!(parse_bytes("12GB"), Ok(12_000_000_000));
        assert_eq!(parse_bytes("1.5 gb"), Ok(1_500_000_000));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        for bad in ["", "0", "-1GB", "12 parsecs", "1e30", "GB"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_host_total_is_read_from_meminfo() {
        let text = "MemTotal:       24576000 kB\nMemFree:        1000 kB\n";
        assert_eq!(meminfo_total(text), Some(24_576_000 * 1024));
        assert_eq!(meminfo_total("MemFree: 1 kB\n"), None);
    }
}
