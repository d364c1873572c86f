//! Guest text made safe to print: it can neither drive the terminal nor
//! pass for the command's own lines.
//!
//! Control characters (C0 but tab and newline, DEL, C1: the escape that
//! starts ANSI and OSC sequences, carriage returns that rewrite a line) are
//! shown as `\x1b`-style escapes. A newline in a console line starts a new
//! `[console.*]` line; in a message, it starts an indented one, so no guest
//! text begins a line the way `warden:` does.

/// `text` with every control character but tab and newline escaped, and
/// every line after the first indented unless it is already.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.starts_with([' ', '\t']) {
                out.push_str("    ");
            }
        }
        escape_into(&mut out, line);
    }
    out
}

/// The lines of a console message, each with its control characters
/// escaped; the caller prefixes each one.
pub(crate) fn guest_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('\n').map(|line| {
        let mut out = String::with_capacity(line.len());
        escape_into(&mut out, line);
        out
    })
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        let code = c as u32;
        let control = (c.is_control() && c != '\t') || matches!(code, 0x2028 | 0x2029);
        if !control {
            out.push(c);
        } else if code <= 0xff {
            out.push_str(&format!("\\x{code:02x}"));
        } else {
            out.push_str(&format!("\\u{{{code:04x}}}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            printable("a\x1b[31mred\x1b]0;title\x07\rover\u{9b}x\u{7f}\tok"),
            "a\\x1b[31mred\\x1b]0;title\\x07\\x0dover\\x9bx\\x7f\tok"
        );
        assert_eq!(printable("plain é 😀"), "plain é 😀");
    }

    #[test]
    fn guest_lines_cannot_pass_for_the_commands_own() {
        assert_eq!(
            printable("threw Error: x\nwarden: all good\n    at handler (h:1:1)"),
            "threw Error: x\n    warden: all good\n    at handler (h:1:1)"
        );
        let lines: Vec<String> = guest_lines("one\nwarden: forged\x1b[2K").collect();
        assert_eq!(lines, ["one", "warden: forged\\x1b[2K"]);
    }
}
