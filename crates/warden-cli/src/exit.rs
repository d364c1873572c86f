//! Exit codes: one per class of failure, so scripts can tell them apart.
//!
//! [`CODES`] is the one list of them: `warden run --help` prints it, and a
//! test holds the README's table to it.

use warden::{Error, ErrorCategory};

/// Declares each exit code as a constant, documented by its meaning, and
/// [`CODES`], every code with its meaning, in the order given.
macro_rules! exit_codes {
    ($($name:ident = $code:literal: $meaning:literal;)*) => {
        $(
            #[doc = concat!("Exit code ", $code, ": ", $meaning, ".")]
            pub(crate) const $name: u8 = $code;
        )*
        /// Every exit code and its meaning, in order.
        pub(crate) const CODES: &[(u8, &str)] = &[$(($code, $meaning)),*];
    };
}

exit_codes! {
    SUCCESS = 0: "success: the result is on stdout";
    HANDLER_FAILED = 1: "the handler threw, or its promise rejected or never settled";
    USAGE = 2: "invalid command line";
    SCRIPT = 3: "the script could not be read, compiled or loaded";
    EVENT = 4: "the event could not be read, is not JSON, or is too large";
    RESULT = 5: "the result is not JSON, or is too large";
    RESOURCE_LIMIT = 6: "the guest ran out of memory or stack";
    KILLED = 7: "the run was killed by an execution monitor";
    INTERNAL = 8: "internal error";
    OUTPUT = 9: "the result could not be written to stdout";
    SNAPSHOT = 10: "the snapshot could not be read or written, is not one, or does not fit";
}

/// The exit-code table shown by `warden run --help`.
pub(crate) fn help() -> String {
    let mut text = String::from("Exit codes:");
    for (code, meaning) in CODES {
        text.push_str(&format!("\n  {code}  {meaning}"));
    }
    text
}

/// The exit code for a failure, from the library's own classification.
pub(crate) fn code(error: &Error) -> u8 {
    match error.category() {
        ErrorCategory::Handler => HANDLER_FAILED,
        ErrorCategory::Config => USAGE,
        ErrorCategory::Script | ErrorCategory::Name => SCRIPT,
        ErrorCategory::Event => EVENT,
        ErrorCategory::Result => RESULT,
        ErrorCategory::ResourceLimit => RESOURCE_LIMIT,
        ErrorCategory::Killed => KILLED,
        ErrorCategory::Snapshot => SNAPSHOT,
        ErrorCategory::GuestAbort
        | ErrorCategory::Poisoned
        | ErrorCategory::Monitor
        | ErrorCategory::Internal
        // The CLI runs no embedder code, so it never sees these.
        | ErrorCategory::Host => INTERNAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_classes_have_distinct_codes() {
        let js = warden::JsError::default();
        let cases = [
            (
                Error::HandlerThrew {
                    handler: "h".into(),
                    error: js.clone(),
                },
                HANDLER_FAILED,
            ),
            (
                Error::Compile {
                    handler: "h".into(),
                    error: js,
                },
                SCRIPT,
            ),
            (Error::InvalidEvent("x".into()), EVENT),
            (
                Error::InvalidResult {
                    handler: "h".into(),
                    reason: "x".into(),
                },
                RESULT,
            ),
            (Error::StackOverflow, RESOURCE_LIMIT),
            (Error::Killed(warden::Killer::Handle), KILLED),
            (Error::InvalidSnapshot("x".into()), SNAPSHOT),
            (Error::Internal("x".into()), INTERNAL),
        ];
        for (error, expected) in &cases {
            assert_eq!(code(error), *expected, "{error}");
        }
        let mut codes: Vec<u8> = cases.iter().map(|(_, c)| *c).collect();
        codes.push(SUCCESS);
        codes.push(USAGE);
        codes.push(OUTPUT);
        let count = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), count, "codes overlap");
    }

    #[test]
    fn the_table_counts_up_from_zero() {
        let numbers: Vec<u8> = CODES.iter().map(|(code, _)| *code).collect();
        let expected: Vec<u8> = (0..).take(CODES.len()).collect();
        assert_eq!(numbers, expected);
    }

    #[test]
    fn the_help_lists_every_code() {
        let help = help();
        let mut lines = help.lines();
        assert_eq!(lines.next(), Some("Exit codes:"));
        for (code, meaning) in CODES {
            assert_eq!(lines.next(), Some(format!("  {code}  {meaning}").as_str()));
        }
        assert_eq!(lines.next(), None);
    }

    /// The rows of the README's exit-code table, as (code, meaning).
    fn readme_table() -> Vec<(u8, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).expect("the README");
        let mut lines = readme
            .lines()
            .skip_while(|line| *line != "| exit code | meaning |");
        assert!(lines.next().is_some(), "no exit-code table in the README");
        assert_eq!(lines.next(), Some("|---|---|"));
        lines
            .take_while(|line| line.starts_with('|'))
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                match cells[..] {
                    ["", code, meaning, ""] => (code.parse().expect(row), meaning.to_owned()),
                    _ => panic!("not a row of two cells: {row}"),
                }
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_exactly_these_codes() {
        let table: Vec<(u8, String)> = CODES
            .iter()
            .map(|(code, meaning)| (*code, (*meaning).to_owned()))
            .collect();
        assert_eq!(readme_table(), table);
    }
}
