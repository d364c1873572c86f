//! Node.js bindings of Warden.
//!
//! The classes mirror the Rust API: `SandboxBuilder` → `ProtoJSSandbox` →
//! `JSSandbox` → `LoadedJSSandbox`. Everything that runs guest code returns
//! a promise and runs on the sandbox's own thread (see the `lane` module), so the
//! event loop never waits for a handler. Load it through `index.js`, which
//! hands over the JavaScript helpers this module needs.

mod args;
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

/// Benchmark support: the median time, in nanoseconds, of `iterations`
/// Rust-level `handle_event` calls of an echo handler on `event`, with the
/// given monitor budgets, measured on the calling thread. Lets
/// `bench/callhandler.js` compare `callHandler` with Rust in the same run.
#[napi(js_name = "__rustEchoMedianNs")]
pub fn rust_echo_median_ns(
    event: String,
    iterations: u32,
    with_monitors: bool,
) -> napi::Result<f64> {
    let fail = |e: warden::Error| napi::Error::from_reason(e.to_string());
    let mut sandbox = warden::SandboxBuilder::new()
        .build()
        .and_then(warden::ProtoJSSandbox::load_runtime)
        .map_err(fail)?;
    sandbox
        .add_handler(
            "echo",
            warden::Script::from_content("function handler(e) { return e; }"),
        )
        .map_err(fail)?;
    let mut loaded = sandbox.get_loaded_sandbox().map_err(fail)?;
    let monitors = (
        warden::WallClockMonitor::new(std::time::Duration::from_secs(10)).map_err(fail)?,
        warden::CpuTimeMonitor::new(std::time::Duration::from_secs(10)).map_err(fail)?,
    );
    let mut samples = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations {
        let start = std::time::Instant::now();
        let result = if with_monitors {
            loaded.handle_event_with_monitor("echo", &event, &monitors, None)
        } else {
            loaded.handle_event("echo", &event, None)
        };
        std::hint::black_box(result.map_err(fail)?);
        samples.push(start.elapsed().as_nanos() as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples.get(samples.len() / 2).copied().unwrap_or(0.0))
}
