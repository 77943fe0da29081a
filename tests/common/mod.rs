//! What the end-to-end tests share: the repository, the binary, a run into a fresh directory, the files it
//! writes.
#![allow(dead_code)] // each test crate uses its own subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub fn nmemu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nmemu"))
        .args(args)
        .output()
        .expect("the nmemu binary runs")
}

/// Runs `net` on `machine` into a fresh directory and returns it (kept alive by the TempDir).
pub fn run(net: &str, machine: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let net = repo(net);
    let out = dir.path().to_str().unwrap();
    let mut args = vec![
        "run",
        "--machine",
        machine,
        net.to_str().unwrap(),
        "--out",
        out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = nmemu(&args);
    assert!(
        o.status.success(),
        "nmemu {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    dir
}

/// population -> neuron -> spike times, from a spikes.csv (ours or NEST's).
pub type Spikes = BTreeMap<String, BTreeMap<u32, Vec<f64>>>;

pub fn spikes(path: &Path) -> Spikes {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Spikes::new();
    for line in text.lines().skip(1) {
        let mut f = line.split(',');
        let (p, n, t) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        out.entry(p.to_string())
            .or_default()
            .entry(n.parse().unwrap())
            .or_default()
            .push(t.parse().unwrap());
    }
    out
}

pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names in `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The result files of a run, by name, except run.json and mapping.json (which hold wall-clock times).
pub fn results(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !["run.json", "mapping.json"].contains(&p.file_name().unwrap().to_str().unwrap())
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Starts nmemu with `args`, stdout and stderr captured.
pub fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_nmemu"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the nmemu binary runs")
}

/// Polls until `sign` holds: a state the child reaches (a file appears, a pipe opens), not a time it takes.
/// Panics with the child's output if the child ends first.
pub fn wait_for(child: &mut std::process::Child, what: &str, mut sign: impl FnMut() -> bool) {
    while !sign() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("nmemu ended ({status}) before {what}:\n{err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends `signal` (`"INT"`, `"TERM"`) to the child.
pub fn send(child: &std::process::Child, signal: &str) {
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
}

/// A `.npy` file of float64 as (shape, values in C order).
pub fn npy(path: &Path) -> (Vec<u64>, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<f64>().unwrap())
}

/// Writes `text` as `net.json` in a fresh directory; returns the directory and the file's path.
pub fn net_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.json");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}
