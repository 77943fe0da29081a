//! `.ci/run` ends with one `N passed, N failed` line summed over cargo's `test result:` lines and pytest's
//! summary line (python/run-tests.sh), and exits with cargo's status when it failed, else with the Python
//! tests'. Checked with stand-ins first on PATH: a `cargo`, and a `python3` whose venv's `python` plays pytest.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `.ci/run` with a stand-in `cargo` (printing `cargo_test`, exiting `cargo_status` for `cargo test`)
/// and a stand-in venv whose pytest prints `pytest_summary` and exits `pytest_status`.
fn ci_run(cargo_test: &str, cargo_status: i32, pytest_summary: &str, pytest_status: i32) -> Output {
    let dir = tempfile::tempdir().unwrap();
    script(
        &dir.path().join("cargo"),
        &format!("#!/bin/sh\nif [ \"$1\" = test ]; then\n{cargo_test}\nexit {cargo_status}\nfi\n"),
    );
    let venv_python = format!(
        "#!/bin/sh\ncase \"$*\" in *\"-m pytest\"*) echo '{pytest_summary}'; exit {pytest_status};; esac\n"
    );
    script(
        &dir.path().join("python3"),
        &format!(
            "#!/bin/sh\nmkdir -p \"$3/bin\"\ncat > \"$3/bin/python\" <<'END'\n{venv_python}END\n\
             chmod +x \"$3/bin/python\"\n"
        ),
    );
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run"))
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .output()
        .expect(".ci/run runs")
}

fn last_line(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.lines().last().unwrap_or_default().to_string()
}

#[test]
fn ci_run_sums_the_test_results_and_keeps_cargos_failure() {
    let out = ci_run(
        "echo 'test result: ok. 73 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 3.75s'\n\
         echo 'running 4 tests'\n\
         echo 'test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out' >&2",
        101,
        "======= 51 passed, 31 skipped, 27 warnings in 33.68s =======",
        0,
    );
    assert_eq!(last_line(&out), "127 passed, 2 failed");
    assert_eq!(out.status.code(), Some(101));
}

#[test]
fn ci_run_adds_pytests_counts_and_fails_with_it() {
    let out = ci_run(
        "echo 'test result: ok. 73 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 3.75s'",
        0,
        "======= 2 failed, 49 passed, 31 skipped in 33.68s =======",
        1,
    );
    assert_eq!(last_line(&out), "122 passed, 2 failed");
    assert_eq!(out.status.code(), Some(1));
}
