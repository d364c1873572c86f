//! The sandbox lifecycle:
//! [`SandboxBuilder`] → [`ProtoJSSandbox`] (host functions) →
//! [`JSSandbox`] (handlers) → [`LoadedJSSandbox`] (calls, snapshots, kills).

mod aliases;
mod builder;
mod config;
mod core;
mod interrupt;
mod js;
mod loaded;
mod proto;
mod snapshot;
mod snapshot_file;
mod stats;

pub use aliases::HostPrintFn;
pub use builder::SandboxBuilder;
pub use config::{
    DEFAULT_GUEST_MEMORY_LIMIT, DEFAULT_MAX_CONSOLE_OUTPUT, DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_MAX_RESULT_SIZE, DEFAULT_MAX_WASM_STACK, MAX_GUEST_MEMORY_LIMIT, MESSAGE_SIZE_RANGE,
    WASM_STACK_RANGE,
};
pub use interrupt::InterruptHandle;
pub use js::{JSSandbox, MAX_HANDLER_NAME_LEN};
pub use loaded::{LoadedJSSandbox, SandboxStatus};
pub use proto::ProtoJSSandbox;
pub use snapshot::Snapshot;
pub use stats::CallStats;
