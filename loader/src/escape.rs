//! User strings in messages: labels and field names reach the terminal only with their control characters
//! escaped.
//!
//! A label is free text in net.json, and messages quote it ("duplicate label ..."). Printed raw, an escape
//! sequence in a label would recolour or clear the user's terminal and a line break would forge a line of
//! output; a bidirectional override (U+202E) would show the message's text in another order than it has. Such
//! characters are written as Rust escapes (`\n`, `\u{1b}`), so what is printed is what the file holds.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character (C0, DEL, C1) and bidirectional formatting character escaped; borrowed
/// when there is none, which is the case for every ordinary label.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape_if(text, needs_escape)
}

/// As [`for_terminal`], but line breaks are kept: for whole messages, which list one problem per line.
pub fn for_terminal_keeping_lines(text: &str) -> Cow<'_, str> {
    escape_if(text, |c| c != '\n' && needs_escape(c))
}

fn escape_if(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !escape(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// Control characters, and the characters that reorder or isolate bidirectional text (LRM, RLM, the embeddings
/// and overrides U+202A..U+202E, the isolates U+2066..U+2069, ALM).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in ["exc", "stim->exc#0", "Erregend ö", "a \"b\" \\ c", ""] {
            assert!(matches!(for_terminal(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(for_terminal("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(for_terminal("x\ny\tz\r"), "x\\ny\\tz\\r");
        assert_eq!(for_terminal("\u{7f}\u{85}"), "\\u{7f}\\u{85}");
        assert_eq!(for_terminal("ab\u{202e}cd"), "ab\\u{202e}cd");
    }

    #[test]
    fn whole_messages_keep_their_lines() {
        assert_eq!(
            for_terminal_keeping_lines("one \u{1b}\ntwo"),
            "one \\u{1b}\ntwo"
        );
    }
}
