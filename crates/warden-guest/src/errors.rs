//! Failures reported by the guest, and how JavaScript exceptions are read.

use rquickjs::{Coerced, Ctx, Exception, FromJs, Object, Value};
use warden_abi::{ErrorInfo, Status, MAX_ERROR_TEXT};

use crate::text::{self, string_of};

/// A failed guest operation: the [`Status`] sent to the host and the detail
/// that becomes the export's output (see [`Status`] for its format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestError {
    /// What went wrong.
    pub status: Status,
    /// The status-specific output: a message, an [`ErrorInfo`] as JSON, or
    /// nothing.
    pub detail: String,
}

impl GuestError {
    /// A failure with a plain detail.
    pub fn new(status: Status, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    /// A failure whose detail is a structured exception.
    pub fn with_info(status: Status, info: &ErrorInfo) -> Self {
        let detail = serde_json::to_string(info).unwrap_or_else(|_| info.message.clone());
        Self { status, detail }
    }

    /// Decodes the [`ErrorInfo`] in the detail of a `Threw` or
    /// `CompileFailed` error.
    pub fn info(&self) -> Option<ErrorInfo> {
        serde_json::from_str(&self.detail).ok()
    }
}

/// An exception taken from the context, or a failure of the bindings.
pub(crate) enum Caught {
    /// JavaScript threw this (already read into plain data).
    Thrown(ErrorInfo),
    /// The engine ran out of memory.
    OutOfMemory(String),
    /// rquickjs failed without a JavaScript exception.
    Internal(String),
}

impl Caught {
    /// Reads the pending exception behind `error`.
    pub(crate) fn from_error(ctx: &Ctx<'_>, error: rquickjs::Error) -> Self {
        match error {
            rquickjs::Error::Exception => Self::from_value(ctx, ctx.catch()),
            rquickjs::Error::Allocation => Self::OutOfMemory("out of memory".into()),
            other => Self::Internal(other.to_string()),
        }
    }

    /// Reads a thrown (or rejected-with) value.
    pub(crate) fn from_value<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> Self {
        let info = error_info(ctx, value);
        if info.name == "InternalError" && info.message == "out of memory" {
            Self::OutOfMemory(info.message)
        } else {
            Self::Thrown(info)
        }
    }

    /// Turns the exception into a guest error; a thrown value is reported
    /// with `status`.
    pub(crate) fn into_error(self, status: Status) -> GuestError {
        match self {
            Self::Thrown(info) => GuestError::with_info(status, &info),
            Self::OutOfMemory(message) => GuestError::new(Status::OutOfMemory, message),
            Self::Internal(message) => GuestError::new(Status::Internal, message),
        }
    }

    /// Like [`into_error`](Self::into_error), for statuses whose detail is a
    /// plain message.
    pub(crate) fn into_message_error(self, status: Status) -> GuestError {
        match self {
            Self::Thrown(info) if info.name.is_empty() => GuestError::new(status, info.message),
            Self::Thrown(info) => {
                GuestError::new(status, format!("{}: {}", info.name, info.message))
            }
            other => other.into_error(status),
        }
    }
}

/// Reads name, message and stack of a thrown value without letting a second
/// exception escape: a property that cannot be read is left empty. Each is
/// read bounded to [`MAX_ERROR_TEXT`].
fn error_info<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> ErrorInfo {
    let Some(object) = value.as_object() else {
        return ErrorInfo {
            message: string_of(ctx, value, MAX_ERROR_TEXT).within(MAX_ERROR_TEXT),
            ..ErrorInfo::default()
        };
    };
    if Exception::from_object(object.clone()).is_none() {
        // A thrown plain object: describe it as JSON when it has a JSON form.
        let message = match ctx.json_stringify(value.clone()) {
            Ok(Some(json)) => text::read(ctx, &json, MAX_ERROR_TEXT).within(MAX_ERROR_TEXT),
            _ => {
                let _ = ctx.catch();
                string_of(ctx, value, MAX_ERROR_TEXT).within(MAX_ERROR_TEXT)
            }
        };
        return ErrorInfo {
            message,
            ..ErrorInfo::default()
        };
    }
    let stack = read_string(ctx, object, "stack").filter(|s| !s.is_empty());
    let (line, column) = stack.as_deref().and_then(first_location).unzip();
    ErrorInfo {
        name: read_string(ctx, object, "name").unwrap_or_default(),
        message: read_string(ctx, object, "message").unwrap_or_default(),
        stack,
        line,
        column,
    }
}

/// `String(object[key])`, bounded, or `None` when it is undefined or
/// cannot be read.
fn read_string<'js>(ctx: &Ctx<'js>, object: &Object<'js>, key: &str) -> Option<String> {
    match object.get::<_, Value>(key) {
        Ok(value) if value.is_undefined() || value.is_null() => None,
        Ok(value) => match Coerced::<rquickjs::String>::from_js(ctx, value) {
            Ok(Coerced(string)) => {
                Some(text::read(ctx, &string, MAX_ERROR_TEXT).within(MAX_ERROR_TEXT))
            }
            Err(_) => {
                let _ = ctx.catch();
                None
            }
        },
        Err(_) => {
            let _ = ctx.catch();
            None
        }
    }
}

/// The `line:column` of the first frame of a QuickJS stack trace, e.g.
/// `    at echo:2:13` or `    at handler (echo:2:13)`.
fn first_location(stack: &str) -> Option<(u32, u32)> {
    let frame = stack.lines().next()?.trim().trim_end_matches(')');
    let mut parts = frame.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::first_location;

    #[test]
    fn locations_are_read_from_both_frame_forms() {
        assert_eq!(first_location("    at echo:2:13\n"), Some((2, 13)));
        assert_eq!(
            first_location("    at handler (echo:12:5)\n    at x (y:1:1)\n"),
            Some((12, 5))
        );
        assert_eq!(first_location("    at <anonymous>\n"), None);
        assert_eq!(first_location(""), None);
    }
}
