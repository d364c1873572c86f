//! `ErrorCode`: the stable `code` of every error, and which one a Warden
//! error gets.
//!
//! This list is the only one: the module exports it as `ErrorCode`, which
//! `index.js` passes on, and a test checks `index.d.ts` against it.

use napi_derive::napi;
use warden::{Error, ErrorCategory};

/// Declares [`ErrorCode`] from one list of `KEY = "ERR_..."` entries: a
/// string enum whose variants are the keys of the exported object, and
/// [`ErrorCode::as_str`].
macro_rules! error_codes {
    ($($(#[doc = $doc:tt])* $key:ident = $code:tt,)*) => {
        /// The `code` of every error Warden throws or rejects with,
        /// exported as the object `ErrorCode` (`{ CANCELLED: "ERR_CANCELLED", ... }`).
        #[allow(
            non_camel_case_types,
            clippy::upper_case_acronyms,
            reason = "the variants are the keys JavaScript sees, in its style"
        )]
        #[napi(string_enum)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* #[napi(value = $code)] $key,)*
        }

        impl ErrorCode {
            /// The code, as JavaScript sees it.
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(Self::$key => $code,)*
                }
            }
        }
    };
}

error_codes! {
    /// A call was killed, by a monitor or through an interrupt handle.
    CANCELLED = "ERR_CANCELLED",
    /// The sandbox is poisoned by an earlier killed or trapped call.
    POISONED = "ERR_POISONED",
    /// The guest code failed: it threw, did not compile, returned no JSON,
    /// or ran out of memory or stack.
    HANDLER = "ERR_HANDLER",
    /// The guest aborted: a trap (not a kill, and not running out of memory
    /// or stack) poisoned the sandbox.
    GUEST_ABORT = "ERR_GUEST_ABORT",
    /// An argument is invalid.
    INVALID_ARG = "ERR_INVALID_ARG",
    /// The object was consumed by an earlier call.
    CONSUMED = "ERR_CONSUMED",
    /// A synchronous call was made while a job of the sandbox was in
    /// flight.
    BUSY = "ERR_BUSY",
    /// Warden itself failed.
    INTERNAL = "ERR_INTERNAL",
}

/// The code of a Warden error, from the library's own classification: one
/// arm per [`ErrorCategory`], with no catch-all, so a new category does not
/// compile until it has a code.
pub(crate) fn code_of(error: &Error) -> ErrorCode {
    match error.category() {
        ErrorCategory::Killed => ErrorCode::CANCELLED,
        ErrorCategory::GuestAbort => ErrorCode::GUEST_ABORT,
        ErrorCategory::Poisoned => ErrorCode::POISONED,
        ErrorCategory::Handler
        | ErrorCategory::Script
        | ErrorCategory::Result
        | ErrorCategory::ResourceLimit => ErrorCode::HANDLER,
        ErrorCategory::Config
        | ErrorCategory::Name
        | ErrorCategory::Event
        | ErrorCategory::Snapshot => ErrorCode::INVALID_ARG,
        // Host errors are made by Rust embedder code, which Node never runs.
        ErrorCategory::Monitor | ErrorCategory::Internal | ErrorCategory::Host => {
            ErrorCode::INTERNAL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_trap_is_a_guest_abort_even_when_it_aborts_a_load() {
        let trap = || Error::GuestTrap("wasm trap: unreachable".into());
        assert_eq!(code_of(&trap()), ErrorCode::GUEST_ABORT);
        assert_eq!(ErrorCode::GUEST_ABORT.as_str(), "ERR_GUEST_ABORT");
        let aborted = Error::LoadAborted {
            handler: "h".into(),
            cause: Box::new(trap()),
        };
        assert_eq!(code_of(&aborted), ErrorCode::GUEST_ABORT);
        // Warden's own failures stay internal.
        assert_eq!(code_of(&Error::Internal("bug".into())), ErrorCode::INTERNAL);
    }
}
