//! Exit codes: one per class of failure, so scripts can tell them apart.

use warden::{Error, ErrorCategory};

/// The handler ran and returned a result.
pub const SUCCESS: u8 = 0;
/// The handler threw, its promise rejected, or its promise never settled.
pub const HANDLER_FAILED: u8 = 1;
/// The command line is invalid (clap's own code).
pub const USAGE: u8 = 2;
/// The script could not be read, compiled or loaded.
pub const SCRIPT: u8 = 3;
/// The event could not be read, is not JSON, or is too large.
pub const EVENT: u8 = 4;
/// The handler's result is not JSON or is too large.
pub const RESULT: u8 = 5;
/// The guest hit a resource limit: memory or stack.
pub const RESOURCE_LIMIT: u8 = 6;
/// The call was killed by an execution monitor.
pub const KILLED: u8 = 7;
/// Warden itself failed (a bug, a guest trap, or an environment problem).
pub const INTERNAL: u8 = 8;
/// The result could not be written to stdout (closed or full).
pub const OUTPUT: u8 = 9;

/// The exit-code table shown by `warden run --help`.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  success: the result is on stdout
  1  the handler threw, or its promise rejected or never settled
  2  invalid command line
  3  the script could not be read, compiled or loaded
  4  the event could not be read, is not JSON, or is too large
  5  the result is not JSON, or is too large
  6  the guest ran out of memory or stack
  7  the run was killed by an execution monitor
  8  internal error
  9  the result could not be written to stdout";

/// The exit code for a failure, from the library's own classification.
pub fn code(error: &Error) -> u8 {
    match error.category() {
        ErrorCategory::Handler => HANDLER_FAILED,
        ErrorCategory::Config => USAGE,
        ErrorCategory::Script | ErrorCategory::Name => SCRIPT,
        ErrorCategory::Event => EVENT,
        ErrorCategory::Result => RESULT,
        ErrorCategory::ResourceLimit => RESOURCE_LIMIT,
        ErrorCategory::Killed => KILLED,
        ErrorCategory::GuestAbort
        | ErrorCategory::Poisoned
        | ErrorCategory::Monitor
        | ErrorCategory::Snapshot
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
}
