//! The JavaScript helpers `index.js` hands over at load time.

use std::cell::RefCell;

use crate::js::FnRef;

/// The JavaScript helpers of one environment.
pub(crate) struct Helpers {
    /// `JSON.parse`.
    pub(crate) parse: FnRef,
    /// `JSON.stringify`.
    pub(crate) stringify: FnRef,
    /// `(fn, argsJson, settle) => void`: runs a host function, sync or
    /// async, and reports through `settle(ok, payload)`.
    pub(crate) dispatch: FnRef,
}

thread_local! {
    /// This environment's helpers, once `__init` has run.
    static HELPERS: RefCell<Option<Helpers>> = const { RefCell::new(None) };
}

/// Installs the helpers (main thread).
pub(crate) fn install(helpers: Helpers) {
    HELPERS.with_borrow_mut(|h| *h = Some(helpers));
}

/// Runs `f` with the helpers, or fails if `index.js` did not install them.
pub(crate) fn with_helpers<T>(f: impl FnOnce(&Helpers) -> napi::Result<T>) -> napi::Result<T> {
    HELPERS.with_borrow(|h| match h {
        Some(helpers) => f(helpers),
        None => Err(napi::Error::from_reason(
            "the native module must be loaded through index.js",
        )),
    })
}
