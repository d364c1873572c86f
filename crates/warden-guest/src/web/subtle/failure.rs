//! How an operation of `crypto.subtle` fails: with a `DOMException` of one
//! of Web Crypto's names, or with the engine's own error (out of memory, a
//! getter that threw), which passes through unchanged.

use rquickjs::{Constructor, Ctx, Error, JsLifetime, Persistent, Result, Value};

/// The original `DOMException`, kept in the context's user data (where the
/// context lets it go when it ends) for the failures to be made with.
struct Class(Persistent<Constructor<'static>>);

// SAFETY: a `Persistent` is not tied to the context lifetime.
unsafe impl<'js> JsLifetime<'js> for Class {
    type Changed<'to> = Class;
}

/// Keeps the global `DOMException` as it is now; must run before any
/// handler code.
pub(super) fn install(ctx: &Ctx<'_>) -> Result<()> {
    let class: Constructor = ctx.globals().get("DOMException")?;
    ctx.store_userdata(Class(Persistent::save(ctx, class)))
        .map_err(|e| Error::new_from_js_message("crypto.subtle", "DOMException", e.to_string()))?;
    Ok(())
}

/// A failed operation.
pub(super) enum Failure {
    /// A `DOMException` with this name and message.
    Dom(&'static str, String),
    /// An engine error, already thrown or to be thrown as it is.
    Js(Error),
}

/// What the operations return.
pub(super) type Outcome<T> = std::result::Result<T, Failure>;

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Js(error)
    }
}

impl Failure {
    /// A `DataError`: the key data or a parameter is malformed.
    pub(super) fn data(message: impl Into<String>) -> Self {
        Self::Dom("DataError", message.into())
    }

    /// An `OperationError`: the operation itself failed.
    pub(super) fn operation(message: impl Into<String>) -> Self {
        Self::Dom("OperationError", message.into())
    }

    /// A `NotSupportedError`: a valid choice Warden does not offer.
    pub(super) fn not_supported(message: impl Into<String>) -> Self {
        Self::Dom("NotSupportedError", message.into())
    }

    /// Throws this failure in `ctx`.
    pub(super) fn throw<T>(self, ctx: &Ctx<'_>) -> Result<T> {
        match self {
            Self::Js(error) => Err(error),
            Self::Dom(name, message) => {
                let kept = ctx
                    .userdata::<Class>()
                    .ok_or_else(|| Error::new_from_js("crypto.subtle", "DOMException"))?;
                let class = kept.0.clone().restore(ctx)?;
                let exception: Value = class.construct((message, name))?;
                Err(ctx.throw(exception))
            }
        }
    }
}
