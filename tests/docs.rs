//! Every `nmemu <command> ... --flag` the documentation names exists: README.md, docs/*.md and
//! examples/README.md are read for invocations (in code spans and code blocks), and each command and flag is
//! looked up in the binary's own `--help`. A renamed flag or a command that docs still name fails here.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use common::{nmemu, repo};

/// One `nmemu ...` invocation in a document: where it is, the words after `nmemu`.
struct Invocation {
    place: String,
    words: Vec<String>,
}

/// The documents a user reads.
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![repo("README.md"), repo("examples/README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    docs.extend(pages);
    docs
}

/// The code of a Markdown text: each code block line, and each inline code span (which may wrap lines), with
/// the line it starts on.
fn code_of(text: &str) -> Vec<(usize, String)> {
    let mut code = Vec::new();
    let mut prose = String::new();
    // Per prose line: where it ends in `prose`, and its line number in the text.
    let mut prose_lines: Vec<(usize, usize)> = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            // A shell comment is not part of the command.
            code.push((i + 1, line.split(" #").next().unwrap().to_string()));
        } else {
            prose.push_str(line);
            prose.push('\n');
            prose_lines.push((prose.len(), i + 1));
        }
    }
    let mut offset = 0;
    for (k, part) in prose.split('`').enumerate() {
        if k % 2 == 1 {
            let line = prose_lines[prose_lines.partition_point(|&(end, _)| end <= offset)].1;
            code.push((line, part.replace('\n', " ")));
        }
        offset += part.len() + 1;
    }
    code
}

/// The `nmemu` invocations of a Markdown text; `name` says which document, for messages.
fn invocations(name: &str, text: &str) -> Vec<Invocation> {
    let mut found = Vec::new();
    for (line, code) in code_of(text) {
        for (k, part) in code.split("nmemu ").enumerate().skip(1) {
            let before = code.split("nmemu ").nth(k - 1).unwrap();
            if before.ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
                continue;
            }
            // A pipe into another command ends this one.
            let command = part.split(" | ").next().unwrap();
            let words = command
                .split_whitespace()
                .map(|w| w.trim_matches(|c| "[](),;".contains(c)).to_string())
                .filter(|w| !w.is_empty())
                .collect();
            found.push(Invocation {
                place: format!("{name}:{}", line),
                words,
            });
        }
    }
    found
}

/// `nmemu <path> --help`, cached; `None` when the command does not exist.
struct Helps(HashMap<Vec<String>, Option<String>>);

impl Helps {
    fn get(&mut self, path: &[String]) -> Option<&str> {
        self.0
            .entry(path.to_vec())
            .or_insert_with(|| {
                let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
                args.push("--help");
                let out = nmemu(&args);
                out.status
                    .success()
                    .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
            })
            .as_deref()
    }
}

/// The subcommands a help text lists under `Commands:`.
fn subcommands(help: &str) -> Vec<String> {
    help.split("Commands:")
        .nth(1)
        .map(|list| {
            list.lines()
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a help text offers `flag` (`--out`, `-o`).
fn offers(help: &str, flag: &str) -> bool {
    flag == "--help"
        || flag == "-h"
        || [" ", "\n", ",", "="]
            .iter()
            .any(|end| help.contains(&format!(" {flag}{end}")))
}

/// Every problem with one invocation: an unknown command or subcommand, or flags its help does not offer.
fn problems(helps: &mut Helps, invocation: &Invocation) -> Vec<String> {
    let mut path: Vec<String> = Vec::new();
    let mut words = invocation.words.iter().peekable();
    loop {
        let known = subcommands(helps.get(&path).unwrap_or_default());
        if known.is_empty() {
            break;
        }
        match words.peek() {
            Some(w) if known.contains(*w) => path.push(words.next().unwrap().clone()),
            Some(w) if !w.starts_with('-') || path.is_empty() => {
                let named: Vec<&str> = path
                    .iter()
                    .map(String::as_str)
                    .chain([w.as_str()])
                    .collect();
                return vec![format!(
                    "{}: `nmemu {}`: no such command (expected one of {})",
                    invocation.place,
                    named.join(" "),
                    known.join(", ")
                )];
            }
            _ => break,
        }
    }
    let help = helps.get(&path).unwrap_or_default().to_string();
    words
        .filter(|w| w.starts_with('-') && w.len() > 1 && !w.starts_with("---"))
        .map(|w| w.split('=').next().unwrap())
        .filter(|flag| {
            flag[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .filter(|flag| !offers(&help, flag))
        .map(|flag| {
            format!(
                "{}: `nmemu {}` has no flag {flag}",
                invocation.place,
                path.join(" ")
            )
        })
        .collect()
}

#[test]
fn every_command_and_flag_the_docs_name_exists() {
    let mut helps = Helps(HashMap::new());
    let mut checked = 0;
    let mut all = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let name = doc.strip_prefix(repo("")).unwrap().display().to_string();
        for invocation in invocations(&name, &text) {
            checked += 1;
            all.extend(problems(&mut helps, &invocation));
        }
    }
    assert!(checked > 30, "only {checked} invocations found in the docs");
    assert!(
        all.is_empty(),
        "the docs name what does not exist:\n{}",
        all.join("\n")
    );
}

/// The check itself catches a flag, a command and a subcommand that do not exist.
#[test]
fn a_doc_naming_what_does_not_exist_is_caught() {
    let text = "Run `nmemu run --machine spinnaker-48 net.json --fast`.\n\n\
                ```sh\nnmemu simulate net.json   # --ignored in a comment\n\
                ./target/release/nmemu tables shrink t.json\n```\n\
                and `nmemu validate --no-expand\nnet.json --max-synapses 5`.";
    let mut helps = Helps(HashMap::new());
    let found: Vec<String> = invocations("doc.md", text)
        .iter()
        .flat_map(|i| problems(&mut helps, i))
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    let has = |start: &str| found.iter().any(|p| p.starts_with(start));
    assert!(
        has("doc.md:1: `nmemu run` has no flag --fast"),
        "{found:#?}"
    );
    assert!(
        has("doc.md:4: `nmemu simulate`: no such command"),
        "{found:#?}"
    );
    assert!(
        has("doc.md:5: `nmemu tables shrink`: no such command"),
        "{found:#?}"
    );
}
