//! `.ci/run` ends with one `N passed, N failed` line summed over cargo's `test result:` lines and exits with
//! the test command's status. Checked with a stand-in `cargo` first on PATH.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn ci_run_sums_the_test_results_and_keeps_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let cargo = dir.path().join("cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\n\
         echo 'test result: ok. 73 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 3.75s'\n\
         echo 'running 4 tests'\n\
         echo 'test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out' >&2\n\
         exit 101\n",
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run"))
        .env("PATH", path)
        .output()
        .expect(".ci/run runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().last(),
        Some("76 passed, 2 failed"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(101));
}
