//! One module per subcommand. Each exposes `Args` (clap) and `run(&Args) -> Result<(), String>`; an `Err` is
//! printed to stderr and exits with status 1 (outputs.md: "the input or its mapping was refused").

pub mod example;
pub mod machine_flags;
pub mod machines;
pub mod map;
pub mod memory;
pub mod monitor;
pub mod noc;
pub mod output;
pub mod progress;
pub mod run;
pub mod run_wafer;
pub mod schema;
pub mod tables;
pub mod target;
pub mod trace;
pub mod trace_spinnaker;
pub mod trace_wafer;
pub mod validate;
pub mod wafer_defects;

/// The most `--threads` accepted: 4 x the host's available parallelism, at least 8. More threads than that
/// only add switching (results never depend on the count), and an unbounded count spawned threads until the
/// host stopped responding.
pub fn max_threads() -> usize {
    let host = std::thread::available_parallelism().map_or(1, |n| n.get());
    (4 * host).max(8)
}

/// `--threads` (clap's value parser): a whole number from 1 to [`max_threads`].
pub fn parse_threads(text: &str) -> Result<usize, String> {
    let max = max_threads();
    match text.parse::<u64>() {
        Ok(n) if n >= 1 && n <= max as u64 => Ok(n as usize),
        _ => Err(format!(
            "expected a whole number from 1 to {max} (4 x this host's available parallelism, at least 8), got `{text}`"
        )),
    }
}

/// Formats a count with thousands separators: 319,564.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn number_formats() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(319_564), "319,564");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn thread_counts_are_bounded() {
        assert_eq!(super::parse_threads("1"), Ok(1));
        assert_eq!(super::parse_threads("8"), Ok(8));
        for bad in ["0", "99999999999", "-1", "two"] {
            let e = super::parse_threads(bad).unwrap_err();
            assert!(e.contains("from 1 to"), "{e}");
        }
    }
}
