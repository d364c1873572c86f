//! [`Error::from_status`]: what a failure status the guest returned means.

use warden_abi::{ErrorInfo, Status};

use super::{Error, JsError};

/// The limits of the sandbox that an error reports against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// The guest memory limit, in bytes.
    pub(crate) memory: usize,
    /// The largest result (and host-function argument), in bytes.
    pub(crate) result: usize,
}

impl Error {
    /// The error for `status`, returned by the guest with `detail` (a text,
    /// or an [`ErrorInfo`] as JSON for a thrown error), in a call to
    /// `handler`.
    pub(crate) fn from_status(
        status: Status,
        detail: &[u8],
        handler: &str,
        limits: Limits,
    ) -> Self {
        let handler = handler.to_owned();
        let text = String::from_utf8_lossy(detail).into_owned();
        let js_error = || {
            JsError::from(
                serde_json::from_str::<ErrorInfo>(&text).unwrap_or(ErrorInfo {
                    message: text.clone(),
                    ..ErrorInfo::default()
                }),
            )
        };
        match status {
            Status::UnknownHandler => Self::UnknownHandler(handler),
            Status::HandlerExists => Self::DuplicateHandler(handler),
            Status::InvalidEvent => Self::InvalidEvent(text),
            Status::Threw => Self::HandlerThrew {
                handler,
                error: js_error(),
            },
            Status::CompileFailed => Self::Compile {
                handler,
                error: js_error(),
            },
            Status::InvalidResult => Self::InvalidResult {
                handler,
                reason: text,
            },
            Status::PromisePending => Self::PromiseNeverSettled { handler },
            Status::ResultTooLarge => Self::ResultTooLarge {
                size: text.parse().unwrap_or(usize::MAX),
                limit: limits.result,
            },
            Status::OutOfMemory => Self::OutOfMemory {
                limit: limits.memory,
                poisoned: false,
            },
            Status::Ok | Status::InvalidUtf8 | Status::NotInitialized | Status::Internal => {
                Self::Internal(format!("guest reported {status:?}: {text}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        memory: 1 << 20,
        result: 1 << 10,
    };

    #[test]
    fn every_status_has_its_error() {
        for status in Status::ALL {
            let error = Error::from_status(status, b"12", "h", LIMITS);
            let expected = match status {
                Status::UnknownHandler => matches!(&error, Error::UnknownHandler(h) if h == "h"),
                Status::HandlerExists => matches!(&error, Error::DuplicateHandler(h) if h == "h"),
                Status::InvalidEvent => matches!(&error, Error::InvalidEvent(t) if t == "12"),
                Status::Threw => {
                    matches!(&error, Error::HandlerThrew { handler, .. } if handler == "h")
                }
                Status::CompileFailed => {
                    matches!(&error, Error::Compile { handler, .. } if handler == "h")
                }
                Status::InvalidResult => {
                    matches!(&error, Error::InvalidResult { reason, .. } if reason == "12")
                }
                Status::PromisePending => matches!(&error, Error::PromiseNeverSettled { .. }),
                Status::ResultTooLarge => {
                    matches!(
                        error,
                        Error::ResultTooLarge {
                            size: 12,
                            limit: 1024
                        }
                    )
                }
                Status::OutOfMemory => matches!(
                    error,
                    Error::OutOfMemory {
                        limit: 1_048_576,
                        poisoned: false
                    }
                ),
                Status::Ok | Status::InvalidUtf8 | Status::NotInitialized | Status::Internal => {
                    matches!(error, Error::Internal(_))
                }
            };
            assert!(expected, "{status:?} became {error:?}");
        }
    }

    #[test]
    fn a_thrown_error_keeps_what_the_guest_said_of_it() {
        let info = r#"{"name":"TypeError","message":"boom","stack":"at h","line":3,"column":7}"#;
        let error = Error::from_status(Status::Threw, info.as_bytes(), "h", LIMITS);
        let Error::HandlerThrew { error, .. } = error else {
            panic!("{error:?}");
        };
        assert_eq!(
            (error.name.as_str(), error.message.as_str()),
            ("TypeError", "boom")
        );
        assert_eq!((error.line, error.column), (Some(3), Some(7)));
        // A detail that is not an ErrorInfo is the message.
        let error = Error::from_status(Status::Threw, b"plain", "h", LIMITS);
        assert!(matches!(error, Error::HandlerThrew { error, .. } if error.message == "plain"));
    }
}
