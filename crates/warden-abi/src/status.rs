//! Result codes of the guest exports.

/// What a guest export reports. The meaning of the export's output (see
/// `warden_output`) depends on the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Status {
    /// Success. The output is the result JSON for `warden_call`, empty
    /// otherwise.
    Ok = 0,
    /// No handler has that name. No output.
    UnknownHandler = 1,
    /// The event is not valid JSON, or is nested too deeply for the parser.
    /// Output: the reason.
    InvalidEvent = 2,
    /// The handler threw, or its promise rejected. Output: an
    /// [`ErrorInfo`](crate::ErrorInfo) as JSON.
    Threw = 3,
    /// The handler's result cannot be turned into JSON. Output: the reason.
    InvalidResult = 4,
    /// The handler source failed to compile or to evaluate. Output: an
    /// [`ErrorInfo`](crate::ErrorInfo) as JSON.
    CompileFailed = 5,
    /// The JavaScript heap limit was reached. Output: a message.
    OutOfMemory = 6,
    /// The handler returned a promise that can never settle: the job queue
    /// is empty and the promise is still pending. No output.
    PromisePending = 7,
    /// A handler with that name already exists. No output.
    HandlerExists = 8,
    /// A name or source is not valid UTF-8. No output.
    InvalidUtf8 = 9,
    /// The runtime is not initialised, or was initialised twice. No output.
    NotInitialized = 10,
    /// The guest failed in a way that is a bug in Warden. Output: a message.
    Internal = 11,
    /// The handler's result is longer than the runtime's JSON limit; it was
    /// not copied. Output: its length in bytes, in decimal.
    ResultTooLarge = 12,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 13] = [
        Status::Ok,
        Status::UnknownHandler,
        Status::InvalidEvent,
        Status::Threw,
        Status::InvalidResult,
        Status::CompileFailed,
        Status::OutOfMemory,
        Status::PromisePending,
        Status::HandlerExists,
        Status::InvalidUtf8,
        Status::NotInitialized,
        Status::Internal,
        Status::ResultTooLarge,
    ];

    /// Decodes a code returned by a guest export.
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn codes_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::from_u32(status as u32), Some(status));
        }
        assert_eq!(Status::from_u32(Status::ALL.len() as u32), None);
    }
}
