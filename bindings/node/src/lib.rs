//! Node.js bindings of Warden.
//!
//! The classes mirror the Rust API: `SandboxBuilder` → `ProtoJSSandbox` →
//! `JSSandbox` → `LoadedJSSandbox`. Everything that runs guest code returns
//! a promise and runs on the sandbox's own thread (see the `lane` module), so the
//! event loop never waits for a handler. Load it through `index.js`, which
//! hands over the JavaScript helpers this module needs.

mod args;
mod bench;
mod bridge;
mod builder;
mod code;
mod errors;
mod event;
mod handle;
mod held;
mod helpers;
mod host;
mod host_module;
mod js;
mod js_sandbox;
mod lane;
mod loaded;
mod options;
mod promise;
mod proto;
mod reply;
mod snapshot;
mod stats;

// What JavaScript sees, at the crate root.
pub use bench::rust_echo_median_ns;
pub use builder::SandboxBuilder;
pub use code::ErrorCode;
pub use handle::InterruptHandle;
pub use host_module::HostModule;
pub use js_sandbox::JSSandbox;
pub use loaded::LoadedJSSandbox;
pub use promise::Promise;
pub use proto::ProtoJSSandbox;
pub use snapshot::Snapshot;
pub use stats::CallStats;

use napi::bindgen_prelude::{Function, Unknown};
use napi_derive::napi;

/// Called once by `index.js`: `JSON.parse`, `JSON.stringify`, and the host
/// function dispatcher.
#[napi(js_name = "__init")]
pub fn init(
    env: &napi::Env,
    parse: Function<'_, Unknown<'static>, Unknown<'static>>,
    stringify: Function<'_, Unknown<'static>, Unknown<'static>>,
    dispatch: Function<'_, Unknown<'static>, Unknown<'static>>,
) -> napi::Result<()> {
    lane::install_doorbell(env)?;
    helpers::install(helpers::Helpers {
        parse: parse.create_ref()?,
        stringify: stringify.create_ref()?,
        dispatch: dispatch.create_ref()?,
    });
    Ok(())
}
